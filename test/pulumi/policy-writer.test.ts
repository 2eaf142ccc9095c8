import { type Model, loadModel } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/types';
import {
  type PolicyWrite, PolicyWriteError, documentDigest, planPolicyWrite, readPolicyStamp, renderPolicyStamp,
} from '../../src/pulumi/policy-writer';
import { policyFromCode } from '../../src/pulumi/tailnet-policy';
import { PolicyError, type PolicyDocument, parsePolicyHujson } from '../../src/tailnet';
import { ENVIRONMENTS, TAILNETS, canary, production, staging, variant } from '../fixtures';
import { poolerProxyTags } from '../../src/tailnet/paths';

const model = loadModel();

/** The committed model with some environments swapped for variants. */
function modelWith(...changed: EnvironmentConfig[]): Model {
  return loadModel(ENVIRONMENTS.map((e) => changed.find((c) => c.name === e.name) ?? e), TAILNETS);
}
/** `env` with extra `tcp:N` ports its VMs dial on the cluster tag. */
const withPorts = (env: EnvironmentConfig, ports: string[]): EnvironmentConfig => variant(env, (d) => {
  d.policy.vmToCluster.push(...ports.map((p) => ({ proto: 'tcp' as const, port: Number(p.split(':')[1]), purpose: 'test' })));
});

function write(m: Model, env: EnvironmentConfig, live: string, overwriteUnmanaged = false): PolicyWrite {
  return planPolicyWrite(m, env, live, { overwriteUnmanaged });
}

/** The ports `env`'s configuration opens from its VMs to its cluster tag, as `tcp:N`. */
const configured = (env: EnvironmentConfig): string[] => env.policy.vmToCluster.map((p) => `${p.proto}:${p.port}`);

/** Grants of `env`'s VMs to its cluster tag, as `tcp:N` lists. */
function vmGrants(doc: PolicyDocument, env: EnvironmentConfig): string[][] {
  return doc.grants.filter((g) => g.src.includes(env.tailnet.vmTag) && g.dst.includes(env.tailnet.clusterTag)).map((g) => g.ip ?? []);
}

/** A live text changed as the admin console would: the content changes, the stamp line stays. */
function consoleEdit(live: string, edit: (doc: PolicyDocument) => void): string {
  const doc = parsePolicyHujson(live);
  edit(doc);
  const stampLine = live.split('\n')[0]!;
  return `${stampLine}\n${JSON.stringify(doc, null, 2)}\n`;
}

/** A stamped document, as an older writer of this project would have left it. */
function stamped(doc: PolicyDocument, tailnet: string, revision: number, writer: string): string {
  return `${renderPolicyStamp({ tailnet, revision, writer, sha256: documentDigest(doc) })}\n${JSON.stringify(doc, null, 2)}\n`;
}

const TAILSCALE_DEFAULT = `// Example/default ACLs for unrestricted connections.
{
  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
  "ssh": [{"action": "check", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot", "root"]}],
}
`;

describe('policy writer: a shared tailnet', () => {
  // canary and production share tailnet "tuist"; both start with the ports production runs today.
  const before = modelWith(withPorts(canary, ['tcp:4000']), withPorts(production, ['tcp:4000']));
  const first = write(before, production, TAILSCALE_DEFAULT, true).hujson;
  const deployed = write(before, canary, first).hujson;
  // Then the code changes both: canary promotes tcp:9000, production will too, later.
  const after = modelWith(withPorts(canary, ['tcp:9000']), withPorts(production, ['tcp:9000']));

  test('an up of canary rolls canary\'s new rules and keeps production\'s as production last deployed them', () => {
    const next = write(after, canary, deployed);
    expect(vmGrants(next.document, canary)).toEqual([[...configured(canary), 'tcp:9000']]);
    expect(vmGrants(next.document, production)).toEqual([[...configured(production), 'tcp:4000']]);
    expect(next.environments).toEqual(['canary', 'production']);
  });

  test('production\'s own up then rolls production\'s rules and keeps canary\'s', () => {
    const canaryRolled = write(after, canary, deployed).hujson;
    const next = write(after, production, canaryRolled);
    expect(vmGrants(next.document, production)).toEqual([[...configured(production), 'tcp:9000']]);
    expect(vmGrants(next.document, canary)).toEqual([[...configured(canary), 'tcp:9000']]);
  });

  test('the composed document passes its own tests, which prove the two environments isolated', () => {
    const next = write(after, canary, deployed);
    const canaryVm = next.document.tests.filter((t) => t.src === production.tailnet.vmTag && (t.deny ?? []).includes(`${poolerProxyTags(canary)[0]}:5432`));
    expect(canaryVm).not.toEqual([]);
  });

  test('an environment that never deployed is left out, so nothing names its tags', () => {
    const only = write(model, canary, TAILSCALE_DEFAULT, true);
    expect(only.environments).toEqual(['canary']);
    expect(only.hujson).not.toContain('tuist-macmini-production');
    expect(only.hujson).not.toContain('tuist-k8s-production');
  });

  test('the written policy says the stack wrote it, not `npm run synth`', () => {
    const written = write(model, canary, policyFromCode(model, 'tuist')).hujson;
    expect(written).toContain('Generated by `pulumi up --stack <environment>` from src/config (tailnet "tuist"');
    expect(written).not.toContain('npm run synth` from');
  });

  test('an up without changes writes the same text, stamp and revision', () => {
    const live = policyFromCode(model, 'tuist');
    const again = write(model, canary, live);
    expect(again.changed).toBe(false);
    expect(again.hujson).toBe(live);
  });

  test('a changing write counts a new revision and names its writer', () => {
    const revision = (text: string) => (readPolicyStamp(text) as { revision: number; writer: string });
    expect(revision(first)).toMatchObject({ revision: 1, writer: 'production' });
    expect(revision(deployed)).toMatchObject({ revision: 2, writer: 'canary' });
    const next = write(after, canary, deployed);
    expect(next.changed).toBe(true);
    expect(next.stamp).toMatchObject({ tailnet: 'tuist', revision: 3, writer: 'canary', sha256: documentDigest(next.document) });
  });

  test('fails when the live policy was edited in the admin console, even inside an environment\'s own rules', () => {
    const edited = consoleEdit(deployed, (doc) => { doc.grants.find((g) => g.src.includes(production.tailnet.vmTag))!.ip!.push('tcp:22'); });
    expect(() => write(after, canary, edited)).toThrow(PolicyWriteError);
    expect(() => write(after, canary, edited)).toThrow(
      /^Stack "canary" did not write the policy of tailnet "tuist": the live policy was changed outside Pulumi since revision 2 \(written by stack "canary"\): its content no longer matches the stamp\. Writing would silently replace it\.\nFix: .*pulumi config set overwriteUnmanagedPolicy true --stack canary/,
    );
  });

  test('fails when the stamp line itself was tampered with', () => {
    const tampered = deployed.replace('"revision":2', '"revision":"two"');
    expect(() => write(after, canary, tampered)).toThrow(/changed outside Pulumi since it was written \(its stamp line was edited\)/);
  });

  test('fails when the live policy carries no stamp (hand-written, or Tailscale\'s default), listing what nobody owns', () => {
    expect(() => write(model, canary, TAILSCALE_DEFAULT)).toThrow(
      /the live policy carries no stamp of this project: .*\n {2}- acls is a section this project never writes\n/,
    );
  });

  test('with overwriteUnmanagedPolicy, replaces an unmanaged policy and lists every live entry it removes', () => {
    const replaced = write(model, canary, TAILSCALE_DEFAULT, true);
    expect(replaced.liveState).toBe('unmanaged');
    expect(replaced.removed.map((r) => r.path)).toEqual(['acls', 'ssh[0]']);
    expect(parsePolicyHujson(replaced.hujson)).not.toHaveProperty('acls');
  });

  test('fails when a stamped rule crosses environments', () => {
    const doc = parsePolicyHujson(deployed);
    doc.grants.push({ src: ['tag:tuist-macmini-canary'], dst: ['tag:tuist-k8s-production'], ip: ['tcp:5432'] });
    expect(() => write(after, canary, stamped(doc, 'tuist', 7, 'canary'))).toThrow(
      /holds entries no environment or the base owns\. .*\n {2}- grants\[\d+\] names tags of several environments \(canary, production\)/,
    );
  });

  test('fails when the live policy is another tailnet\'s, whatever overwriteUnmanagedPolicy says', () => {
    const elsewhere = { ...TAILNETS[0]!, name: 'tuist-elsewhere' };
    const moved = variant(staging, (d) => { d.tailnet.tailnet = elsewhere.name; });
    const other = loadModel(ENVIRONMENTS.map((e) => (e.name === staging.name ? moved : e)), [...TAILNETS, elsewhere]);
    expect(() => write(other, moved, deployed, true)).toThrow(
      /^Stack "staging" writes the policy of tailnet "tuist-elsewhere", but the tailnet its Tailscale credentials reach holds the policy of tailnet "tuist" \(revision 2, written by stack "canary"\)\. Nothing was written\. Fix: point this stack's tailnetId/,
    );
  });

  test('fails when the document it would write fails its own tests', () => {
    // An older production that granted nothing to its VMs, yet tested that it did.
    const doc = parsePolicyHujson(deployed);
    doc.grants = doc.grants.filter((g) => !g.src.includes(production.tailnet.vmTag));
    expect(() => write(after, canary, stamped(doc, 'tuist', 3, 'production'))).toThrow(PolicyError);
  });
});
