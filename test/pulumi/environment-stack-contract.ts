/**
 * What every environment's stack must do, run by each per-environment test file (one
 * environment per file: Pulumi's runtime keeps global state per process).
 */
import { loadModel } from '../../src/config/load';
import { VM_CREDENTIAL_KEY } from '../../src/config/names';
import type { EnvironmentConfig } from '../../src/config/types';
import { RESOURCE_TYPES, checkGuardRails } from '../../src/pulumi/guard-rails';
import { OFFLINE_VALUES } from '../../src/pulumi/offline-run';
import { findMarkers } from '../../src/pulumi/policy-marker';
import { policyDocumentProvider } from '../../src/pulumi/policy-provider';
import { parseLivePolicy, planPolicyWrite, writeIntent } from '../../src/pulumi/policy-writer';
import { objectKey, synthesizeEnvironment } from '../../src/synth/manifests';
import { ENVIRONMENTS, TAILNETS, variant } from '../fixtures';
import { describeAdoption } from './adoption-contract';
import { TEST_CONFIG, runStack, steadyState, testKey } from './run-stack';

/** `type name` of the VM credential resource the environment's configured kind mints. */
export function credentialResource(env: EnvironmentConfig): string {
  return env.vmCredential.kind === 'auth-key' ? `${RESOURCE_TYPES.tailnetKey} vm-credential-auth-key` : `${RESOURCE_TYPES.oauthClient} vm-credential-oauth-client`;
}

export function describeEnvironmentStack(env: EnvironmentConfig): void {
  const synthesized = synthesizeEnvironment(env);
  let stack: Awaited<ReturnType<typeof runStack>>;
  beforeAll(async () => { stack = await runStack(env); });

  describeAdoption(env);

  describe(`stack "${env.name}": contract shared by every environment`, () => {
    test('talks to the tailnet and the cluster named in its stack configuration, through explicit providers', () => {
      expect(stack.one('pulumi:providers:tailscale').inputs).toMatchObject({ tailnet: TEST_CONFIG.tailnetId, oauthClientId: TEST_CONFIG.clientId });
      expect(stack.one('pulumi:providers:kubernetes').inputs).toMatchObject({ context: TEST_CONFIG.kubeContext });
      expect(stack.one('pulumi:providers:tailscale').secretPaths).toEqual(['oauthClientSecret']);
      for (const r of stack.resources.filter((r) => r.custom && !r.type.startsWith('pulumi:providers:') && r.type !== RESOURCE_TYPES.policyDocument)) {
        const expected = r.type.startsWith('tailscale:') ? 'pulumi:providers:tailscale' : 'pulumi:providers:kubernetes';
        expect([r.name, stack.providerOf(r)?.type]).toEqual([r.name, expected]);
      }
    });

    test('reads the live policy through its Tailscale provider to plan, and writes through its own If-Match writer, never the Acl resource', () => {
      const provider = stack.one('pulumi:providers:tailscale');
      expect(stack.invokes.map((i) => [i.token, i.provider.startsWith(`${provider.urn}::`)])).toEqual([['tailscale:index/getAcl:getAcl', true]]);
      expect(stack.ofType(RESOURCE_TYPES.acl)).toEqual([]);
      const document = stack.one(RESOURCE_TYPES.policyDocument);
      expect(document.inputs).toMatchObject({ tailnetId: TEST_CONFIG.tailnetId, intent: { environment: env.name, tailnet: env.tailnet.tailnet } });
      expect(document.secretPaths).toEqual(expect.arrayContaining(['ownershipKey', 'auth']));
    });

    test('on a tailnet where every environment deployed this commit, writes nothing and keeps its marker', () => {
      const live = steadyState(stack.model, env.tailnet.tailnet);
      expect(stack.livePolicyAfter).toBe(live);
      expect(stack.policyWrites).toBe(0);
      expect(stack.outputs.tailnetPolicy).toMatchObject({ environment: env.name, liveBefore: 'managed' });
    });

    const peers = ENVIRONMENTS.filter((e) => e.tailnet.tailnet === env.tailnet.tailnet && e.name !== env.name);
    for (const peer of peers) test(`keeps ${peer.name}'s entries on the shared tailnet as ${peer.name} last deployed them, not as its code says`, async () => {
      // The peer deployed an extra port that its code has since dropped, unpromoted.
      const deployedPeer = variant(peer, (d) => { d.policy.vmToCluster.push({ proto: 'tcp', port: 4000, purpose: 'test' }); });
      const then = loadModel(ENVIRONMENTS.map((e) => (e.name === peer.name ? deployedPeer : e)), TAILNETS);
      const live = planPolicyWrite(writeIntent(then, deployedPeer), '', testKey(peer.name)).hujson;
      const run = await runStack(env, { livePolicy: live });
      const written = parseLivePolicy(run.livePolicyAfter, 'written') as { grants: { src: string[]; dst: string[]; ip: string[] }[] };
      const peerVmGrant = written.grants.find((g) => g.src.includes(peer.tailnet.vmTag) && g.dst.includes(peer.tailnet.clusterTag));
      expect(peerVmGrant?.ip).toEqual(expect.arrayContaining(['tcp:4000']));
      const markerOf = (text: string, who: string) => findMarkers(text).find((m) => m.marker.environment === who)?.text;
      expect(markerOf(run.livePolicyAfter, peer.name)).toBe(markerOf(live, peer.name));
    });

    test('never resets or opens the tailnet when the stack is destroyed', async () => {
      const document = stack.one(RESOURCE_TYPES.policyDocument);
      expect(document.retainOnDelete).toBe(true);
      // And were Pulumi to call delete, it writes nothing.
      const calls: string[] = [];
      await policyDocumentProvider({ fetch: async (url, init) => { calls.push(`${init.method} ${url}`); throw new Error('no'); }, env: {} }).delete();
      expect(calls).toEqual([]);
    });

    test('applies exactly the objects `npm run synth` writes for the environment', () => {
      const applied = stack.resources.filter((r) => r.parent.endsWith('::tuist:kubernetes:AppliedManifests::manifests'));
      expect(applied.map((r) => objectKey(r.inputs as never)).sort()).toEqual(synthesized.objects.map(objectKey).sort());
      for (const object of synthesized.objects) {
        expect(applied.find((r) => objectKey(r.inputs as never) === objectKey(object))!.inputs).toEqual(object);
      }
      expect([...stack.outputs.appliedObjects].sort()).toEqual(synthesized.objects.map(objectKey).sort());
    });

    test('passes every guard rail, the policy guard included', () => {
      expect(checkGuardRails(env, stack.model, stack.resources, steadyState(stack.model, env.tailnet.tailnet))).toEqual([]);
    });

    test('prints and exports no credential', () => {
      const printed = JSON.stringify([stack.outputs, ...stack.resources.map((r) => r.redactedInputs)]);
      for (const name of ['vm-credential-auth-key', 'vm-credential-oauth-client']) {
        expect(printed).not.toContain(OFFLINE_VALUES.authKey(name));
        expect(printed).not.toContain(OFFLINE_VALUES.oauthClientSecret(name));
      }
      expect(printed).not.toContain('test-client-secret');
      expect(printed).not.toContain(testKey(env.name));
      // Nor does the policy writer's serialized code, which the state keeps in plain text.
      const code = String(stack.one(RESOURCE_TYPES.policyDocument).inputs.__provider);
      expect(code.length).toBeGreaterThan(0);
      for (const secret of [testKey(env.name), 'test-client-secret']) expect(code).not.toContain(secret);
    });

    test('owns exactly one VM credential, minted after the policy and tagged with its own VM tag only', () => {
      const credentials = stack.resources.filter((r) => r.type === RESOURCE_TYPES.tailnetKey || r.type === RESOURCE_TYPES.oauthClient);
      expect(credentials.map((r) => r.type)).toEqual([env.vmCredential.kind === 'auth-key' ? RESOURCE_TYPES.tailnetKey : RESOURCE_TYPES.oauthClient]);
      const credential = credentials[0]!;
      expect(credential.inputs.tags).toEqual([env.tailnet.vmTag]);
      expect(credential.dependencies).toContain(stack.one(RESOURCE_TYPES.policyDocument).urn);
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
