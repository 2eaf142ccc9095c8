import { loadModel } from '../../src/config/load';
import { buildTailnetPolicies } from '../../src/tailnet/build';
import { composePolicy } from '../../src/tailnet/compose';
import { canConnect, canSsh, runPolicyTests } from '../../src/tailnet/evaluate';
import { basePolicyFragment, environmentPolicyFragment } from '../../src/tailnet/fragments';
import type { PolicyFragment } from '../../src/tailnet/policy';
import { isWildcardPortSpec } from '../../src/tailnet/syntax';
import { ENVIRONMENTS, TAILNETS, canary, production, staging, variant } from '../fixtures';
import { policies, sharedTailnet } from './fixtures';

const tuist = TAILNETS.find((t) => t.name === 'tuist')!;

/** The receivers' ports the VMs reach on a cluster tag (config `policy.extraClusterPorts`). */
const receiverTargets = (tag: string): string[] => canary.policy.extraClusterPorts.map((spec) => `${tag}:${spec.split(':')[1]}`);

describe('tailnet policies of the committed configuration', () => {
  const built = policies();

  test('one document per tailnet, covering the environments on it', () => {
    expect(Object.fromEntries(Object.values(built).map((p) => [p.tailnet.name, p.environments.map((e) => e.name)])))
      .toEqual({ 'tuist-staging': ['staging'], tuist: ['canary', 'production'] });
  });

  test.each(Object.keys(built))('%s matches the snapshot', (name) => {
    expect(built[name]!.document).toMatchSnapshot();
  });

  test.each(Object.keys(built))('%s passes all of its own tests offline', (name) => {
    expect(runPolicyTests(built[name]!.document)).toEqual([]);
  });

  test('has no wildcard anywhere: sources, destinations, ports, users', () => {
    for (const { document } of Object.values(built)) {
      const selectors = [...document.grants, ...document.ssh].flatMap((r) => [...r.src, ...r.dst]);
      expect(selectors.filter((s) => s === '*' || s.startsWith('autogroup:'))).toEqual([]);
      expect(document.grants.flatMap((g) => g.ip).filter(isWildcardPortSpec)).toEqual([]);
      expect(document.ssh.flatMap((r) => r.users)).toEqual(expect.not.arrayContaining(['root', '*', 'autogroup:nonroot']));
    }
  });
});

describe('environment fragment', () => {
  const fragment = environmentPolicyFragment(canary, tuist);

  test('the cluster tag is owned by the environment\'s operator tag, so the operator can mint proxies with it', () => {
    expect(fragment.tagOwners['tag:tuist-k8s-canary']).toEqual(['tag:tuist-k8s-operator-canary']);
  });

  test('the VM tag is owned by the admins and the deployer, whose stack mints the VM credential', () => {
    expect(fragment.tagOwners['tag:tuist-macmini-canary']).toEqual(['group:tuist-admins', 'tag:tuist-deployer']);
    expect(environmentPolicyFragment(production, tuist).tagOwners['tag:tuist-macmini-production']).toEqual(['group:tuist-admins', 'tag:tuist-deployer']);
  });

  test('grants VMs → pooler tcp:5432 and cluster → VMs tcp:22 and tcp:9091, and nothing else between the tags', () => {
    const doc = composePolicy(tuist, basePolicyFragment(tuist, [canary]), [fragment]);
    expect(canConnect(doc, 'tag:tuist-macmini-canary', 'tag:tuist-k8s-canary', 'tcp', 5432).allowed).toBe(true);
    expect(canConnect(doc, 'tag:tuist-k8s-canary', 'tag:tuist-macmini-canary', 'tcp', 22).allowed).toBe(true);
    expect(canConnect(doc, 'tag:tuist-k8s-canary', 'tag:tuist-macmini-canary', 'tcp', 9091).allowed).toBe(true);
    expect(canConnect(doc, 'tag:tuist-k8s-canary', 'tag:tuist-k8s-canary', 'tcp', 5432).allowed).toBe(false);
    expect(canConnect(doc, 'tag:tuist-macmini-canary', 'tag:tuist-macmini-canary', 'tcp', 22).allowed).toBe(false);
    expect(canConnect(doc, 'tag:tuist-k8s-operator-canary', 'tag:tuist-macmini-canary', 'tcp', 22).allowed).toBe(false);
  });

  test('Tailscale SSH: the cluster tag gets in as admin with accept, operations with check, nobody as root', () => {
    const doc = composePolicy(tuist, basePolicyFragment(tuist, [canary]), [fragment]);
    expect(canSsh(doc, 'tag:tuist-k8s-canary', 'tag:tuist-macmini-canary', 'admin')).toMatchObject({ allowed: true, action: 'accept' });
    expect(canSsh(doc, 'oncall@tuist.dev', 'tag:tuist-macmini-canary', 'admin')).toMatchObject({ allowed: true, action: 'check' });
    expect(canSsh(doc, 'tag:tuist-k8s-canary', 'tag:tuist-macmini-canary', 'root').allowed).toBe(false);
    expect(canSsh(doc, 'oncall@tuist.dev', 'tag:tuist-macmini-canary', 'root').allowed).toBe(false);
  });

  test('extra cluster ports are granted and tested (udp ranges probed at both ends)', () => {
    const env = variant(staging, (d) => { d.policy.extraClusterPorts = ['tcp:4317', 'udp:8125-8127']; });
    const { document } = buildTailnetPolicies(loadModel([env, canary, production]))[0]!;
    expect(document.grants[0]).toEqual({ src: ['tag:tuist-macmini-staging'], dst: ['tag:tuist-k8s-staging'], ip: ['tcp:5432', 'tcp:4317', 'udp:8125-8127'] });
    expect(document.tests).toEqual(expect.arrayContaining([
      { src: 'tag:tuist-macmini-staging', proto: 'udp', accept: ['tag:tuist-k8s-staging:8125', 'tag:tuist-k8s-staging:8127'] },
      expect.objectContaining({ src: 'group:tuist-ops', proto: 'udp', deny: ['tag:tuist-k8s-staging:8125', 'tag:tuist-k8s-staging:8127'] }),
    ]));
    expect(canConnect(document, 'tag:tuist-macmini-staging', 'tag:tuist-k8s-staging', 'udp', 8126).allowed).toBe(true);
  });

  test('grants no pooler port when the pooler is not on the tailnet', () => {
    const env = variant(staging, (d) => {
      d.pooler.tailnetExposure = { enabled: false };
      d.xcresultProcessor.tailnetJoin = false;
      d.xcresultProcessor.databaseUrlSecretKey = 'processor-database-url';
    });
    const fragmentOf = environmentPolicyFragment(env, TAILNETS[0]!);
    expect(fragmentOf.grants.flatMap((g) => g.ip)).not.toContain('tcp:5432');
    expect(fragmentOf.tests.flatMap((t) => [...(t.accept ?? []), ...(t.deny ?? [])])).not.toContain('tag:tuist-k8s-staging:5432');
  });

  test('names only its own tags and the base\'s groups and tags', () => {
    const named = JSON.stringify(fragment).match(/tag:[a-z0-9-]+/g)!;
    expect([...new Set(named)].sort()).toEqual(['tag:tuist-deployer', 'tag:tuist-k8s-canary', 'tag:tuist-k8s-operator-canary', 'tag:tuist-macmini-canary']);
  });

  test('survives a JSON round trip unchanged (fragments travel through stack outputs)', () => {
    for (const f of [fragment, environmentPolicyFragment(production, tuist), basePolicyFragment(tuist, ENVIRONMENTS)]) {
      expect(JSON.parse(JSON.stringify(f))).toStrictEqual(f);
    }
  });
});

describe('base fragment', () => {
  test('declares the admins and operations groups from the tailnet configuration', () => {
    expect(basePolicyFragment(tuist, [canary]).groups).toEqual({ 'group:tuist-admins': ['platform@tuist.dev'], 'group:tuist-ops': ['oncall@tuist.dev'] });
  });

  test('declares the deployer tag while an environment lives on the tailnet (its stack mints the VM credential)', () => {
    expect(basePolicyFragment(tuist, []).tagOwners).toEqual({});
    expect(basePolicyFragment(tuist, [canary]).tagOwners).toEqual({ 'tag:tuist-deployer': ['group:tuist-admins'] });
    expect(basePolicyFragment(tuist, [canary, production]).tagOwners).toEqual({ 'tag:tuist-deployer': ['group:tuist-admins'] });
  });
});

describe('composePolicy', () => {
  const base = basePolicyFragment(tuist, [canary, production]);
  const fragments = [environmentPolicyFragment(canary, tuist), environmentPolicyFragment(production, tuist)];

  test('keeps the base first, then the environments in the given order', () => {
    const doc = composePolicy(tuist, base, fragments);
    expect(Object.keys(doc.tagOwners)).toEqual(['tag:tuist-deployer', ...Object.keys(fragments[0]!.tagOwners), ...Object.keys(fragments[1]!.tagOwners)]);
    expect(doc.grants).toEqual([...fragments[0]!.grants, ...fragments[1]!.grants]);
  });

  test('is deterministic and leaves its fragments untouched', () => {
    const before = structuredClone(fragments);
    expect(composePolicy(tuist, base, fragments)).toEqual(composePolicy(tuist, base, fragments));
    expect(fragments).toEqual(before);
  });

  test('adds tests denying every other environment\'s tags each port and SSH login of an environment', () => {
    const doc = sharedTailnet().document;
    expect(doc.tests).toEqual(expect.arrayContaining([
      { src: 'tag:tuist-macmini-canary', proto: 'tcp', deny: ['tag:tuist-k8s-production:5432', ...receiverTargets('tag:tuist-k8s-production'), 'tag:tuist-macmini-production:22', 'tag:tuist-macmini-production:9091'] },
      { src: 'tag:tuist-macmini-production', proto: 'tcp', deny: ['tag:tuist-k8s-canary:5432', ...receiverTargets('tag:tuist-k8s-canary'), 'tag:tuist-macmini-canary:22', 'tag:tuist-macmini-canary:9091'] },
    ]));
    expect(doc.sshTests).toEqual(expect.arrayContaining([
      { src: 'tag:tuist-k8s-canary', dst: ['tag:tuist-macmini-production'], deny: ['admin', 'root'] },
      { src: 'tag:tuist-k8s-production', dst: ['tag:tuist-macmini-canary'], deny: ['admin', 'root'] },
    ]));
  });

  test('denies root over SSH on every tailnet', () => {
    for (const { document, environments } of Object.values(policies())) {
      for (const env of environments) {
        expect(document.sshTests).toContainEqual({ src: env.tailnet.clusterTag, dst: [env.tailnet.vmTag], accept: ['admin'], deny: ['root'] });
      }
    }
  });

  test('an environment alone on its tailnet gets no tests naming tags the tailnet does not have', () => {
    const doc = policies()['tuist-staging']!.document;
    const named = new Set(JSON.stringify(doc).match(/tag:[a-z0-9-]+/g));
    expect([...named].filter((t) => !(t in doc.tagOwners))).toEqual([]);
  });

  test('fragments deployed earlier compose with the current base like fragments from code', () => {
    const lastDeployed: PolicyFragment = JSON.parse(JSON.stringify(fragments[1]));
    expect(composePolicy(tuist, base, [fragments[0]!, lastDeployed])).toEqual(sharedTailnet().document);
  });
});
