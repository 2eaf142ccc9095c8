/**
 * What every environment's stack must do, run by each per-environment test file (one
 * environment per file: Pulumi's runtime keeps global state per process).
 */
import { loadModel } from '../../src/config/load';
import { VM_CREDENTIAL_KEY } from '../../src/config/names';
import type { EnvironmentConfig } from '../../src/config/types';
import { RESOURCE_TYPES, checkGuardRails } from '../../src/pulumi/guard-rails';
import { OFFLINE_VALUES } from '../../src/pulumi/offline-run';
import { planPolicyWrite, readPolicyStamp } from '../../src/pulumi/policy-writer';
import { objectKey, synthesizeEnvironment } from '../../src/synth/manifests';
import { environmentPolicyFragment, parsePolicyHujson } from '../../src/tailnet';
import { ENVIRONMENTS, TAILNETS, variant } from '../fixtures';
import { TEST_CONFIG, runStack } from './run-stack';

/** `type name` of the VM credential resource the environment's configured kind mints. */
export function credentialResource(env: EnvironmentConfig): string {
  return env.vmCredential.kind === 'auth-key' ? `${RESOURCE_TYPES.tailnetKey} vm-credential-auth-key` : `${RESOURCE_TYPES.oauthClient} vm-credential-oauth-client`;
}

export function describeEnvironmentStack(env: EnvironmentConfig): void {
  const synthesized = synthesizeEnvironment(env);
  let stack: Awaited<ReturnType<typeof runStack>>;
  beforeAll(async () => { stack = await runStack(env); });

  describe(`stack "${env.name}": contract shared by every environment`, () => {
    test('talks to the tailnet and the cluster named in its stack configuration, through explicit providers', () => {
      expect(stack.one('pulumi:providers:tailscale').inputs).toMatchObject({ tailnet: TEST_CONFIG.tailnetId });
      expect(stack.one('pulumi:providers:kubernetes').inputs).toMatchObject({ context: TEST_CONFIG.kubeContext });
      expect(stack.one('pulumi:providers:tailscale').secretPaths).toEqual(expect.arrayContaining(['oauthClientId', 'oauthClientSecret']));
      for (const r of stack.resources.filter((r) => r.custom && !r.type.startsWith('pulumi:providers:'))) {
        const expected = r.type.startsWith('tailscale:') ? 'pulumi:providers:tailscale' : 'pulumi:providers:kubernetes';
        expect([r.name, stack.providerOf(r)?.type]).toEqual([r.name, expected]);
      }
    });

    test('reads the live policy through its Tailscale provider, before writing and again after', () => {
      const provider = stack.one('pulumi:providers:tailscale');
      expect(stack.invokes.map((i) => [i.token, i.provider.startsWith(`${provider.urn}::`)])).toEqual([
        ['tailscale:index/getAcl:getAcl', true],
        ['tailscale:index/getAcl:getAcl', true],
      ]);
    });

    test('writes its tailnet\'s policy, stamped, holding its own fragment from code', () => {
      const acl = stack.one(RESOURCE_TYPES.acl);
      const written = String(acl.inputs.acl);
      expect(readPolicyStamp(written)).toMatchObject({ tailnet: env.tailnet.tailnet });
      const tailnet = stack.model.tailnets.find((t) => t.name === env.tailnet.tailnet)!;
      const own = environmentPolicyFragment(env, tailnet);
      const doc = parsePolicyHujson(written);
      expect(doc.grants).toEqual(expect.arrayContaining(own.grants));
      expect(doc.ssh).toEqual(expect.arrayContaining(own.ssh));
      expect(doc.tagOwners).toMatchObject(own.tagOwners);
    });

    const peers = ENVIRONMENTS.filter((e) => e.tailnet.tailnet === env.tailnet.tailnet && e.name !== env.name);
    for (const peer of peers) test(`keeps ${peer.name}'s rules on the shared tailnet as ${peer.name} last deployed them, not as its code says`, async () => {
      // The peer deployed an extra port that its code has since dropped, unpromoted.
      const deployedPeer = variant(peer, (d) => { d.policy.extraClusterPorts = ['tcp:4000']; });
      const then = loadModel(ENVIRONMENTS.map((e) => (e.name === peer.name ? deployedPeer : e)), TAILNETS);
      const live = planPolicyWrite(then, deployedPeer, '', { overwriteUnmanaged: true }).hujson;
      const run = await runStack(env, { livePolicy: live });
      const written = parsePolicyHujson(String(run.one(RESOURCE_TYPES.acl).inputs.acl));
      const peerVmGrant = written.grants.find((g) => g.src.includes(peer.tailnet.vmTag) && g.dst.includes(peer.tailnet.clusterTag));
      expect(peerVmGrant?.ip).toEqual(['tcp:5432', 'tcp:4000']);
      expect(run.outputs.tailnetPolicy.environments).toEqual(expect.arrayContaining([env.name, peer.name]));
    });

    test('never resets or opens the tailnet when the stack is destroyed', () => {
      const acl = stack.one(RESOURCE_TYPES.acl);
      expect(acl.inputs).not.toHaveProperty('resetAclOnDestroy');
      expect(acl.inputs.overwriteExistingContent).toBe(true);
      expect(acl.retainOnDelete).toBe(true);
    });

    test('applies exactly the objects `npm run synth` writes for the environment', () => {
      const applied = stack.resources.filter((r) => r.parent.endsWith('::tuist:kubernetes:AppliedManifests::manifests'));
      expect(applied.map((r) => objectKey(r.inputs as never)).sort()).toEqual(synthesized.objects.map(objectKey).sort());
      for (const object of synthesized.objects) {
        expect(applied.find((r) => objectKey(r.inputs as never) === objectKey(object))!.inputs).toEqual(object);
      }
      expect([...stack.outputs.appliedObjects].sort()).toEqual(synthesized.objects.map(objectKey).sort());
    });

    test('passes every guard rail', () => {
      expect(checkGuardRails(env, stack.model, stack.resources)).toEqual([]);
    });

    test('prints and exports no credential', () => {
      const printed = JSON.stringify([stack.outputs, ...stack.resources.map((r) => r.redactedInputs)]);
      for (const name of ['vm-credential-auth-key', 'vm-credential-oauth-client']) {
        expect(printed).not.toContain(OFFLINE_VALUES.authKey(name));
        expect(printed).not.toContain(OFFLINE_VALUES.oauthClientSecret(name));
      }
      expect(printed).not.toContain('test-client-secret');
    });

    test('owns exactly one VM credential, minted after the policy and tagged with its own VM tag only', () => {
      const credentials = stack.resources.filter((r) => r.type === RESOURCE_TYPES.tailnetKey || r.type === RESOURCE_TYPES.oauthClient);
      expect(credentials.map((r) => r.type)).toEqual([env.vmCredential.kind === 'auth-key' ? RESOURCE_TYPES.tailnetKey : RESOURCE_TYPES.oauthClient]);
      const credential = credentials[0]!;
      expect(credential.inputs.tags).toEqual([env.tailnet.vmTag]);
      expect(credential.dependencies).toContain(stack.one(RESOURCE_TYPES.acl).urn);
      expect(credential.additionalSecretOutputs).toContain('key');
      expect(stack.outputs.vmCredential).toMatchObject({ kind: env.vmCredential.kind, tags: [env.tailnet.vmTag], urn: credential.urn });
    });

    test('delivers it as the Secret the xcresult Deployment reads TAILSCALE_AUTH_KEY from, its value a Pulumi secret', () => {
      const secret = stack.one('kubernetes:core/v1:Secret');
      const deployment = stack.resources.find((r) => r.type === 'kubernetes:apps/v1:Deployment' && r.name === `${env.namespace}/${synthesized.chart.xcresultProcessor.name}`)!;
      const containers = (deployment.inputs as any).spec.template.spec.containers as { env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[];
      const ref = containers[0]!.env.find((e) => e.name === 'TAILSCALE_AUTH_KEY')!.valueFrom!.secretKeyRef!;
      expect(secret.inputs.metadata).toMatchObject({ name: ref.name, namespace: env.namespace });
      expect(Object.keys(secret.inputs.stringData as object)).toEqual([ref.key]);
      expect(ref).toEqual({ name: synthesized.chart.vmCredential.secretName, key: VM_CREDENTIAL_KEY });
      expect(secret.secretPaths).toEqual(['stringData']);
      expect(deployment.dependencies).toContain(secret.urn);
      expect(stack.outputs.vmCredential.deliveredTo).toEqual({ secretName: `${env.namespace}/${ref.name}`, key: ref.key });
      // Nothing else writes it: no ExternalSecret syncs the credential from a vault any more.
      expect(synthesized.objects.filter((o) => o.kind === 'ExternalSecret' && (o as any).spec.target?.name === ref.name)).toEqual([]);
    });

    test('exports the credential\'s facts and never its value', () => {
      const facts = stack.outputs.vmCredential;
      expect(Object.keys(facts).sort()).toEqual(['deliveredTo', 'expiresAt', 'kind', 'nextRenewal', 'tags', 'urn']);
      if (env.vmCredential.kind === 'oauth-client') expect(facts).toMatchObject({ expiresAt: 'never', nextRenewal: 'never' });
      else expect(Date.parse(facts.nextRenewal)).toBeLessThan(Date.parse(facts.expiresAt));
    });
  });
}
