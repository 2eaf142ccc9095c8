import { loadModel } from '../../src/config/load';
import { parseLivePolicy, planPolicyWrite, writeIntent } from '../../src/pulumi/policy-writer';
import { ENVIRONMENTS, TAILNETS, canary, production, variant } from '../fixtures';
import { credentialResource, describeEnvironmentStack } from './environment-stack-contract';
import { runStack, steadyState, testKey } from './run-stack';
import { poolerProxyTags } from '../../src/tailnet/paths';

describeEnvironmentStack(canary);

describe('stack "canary"', () => {
  test('registers its policy, its own VM credential and its Secret (no vault-synced one), and its objects; protects nothing', async () => {
    const { resources } = await runStack(canary);
    expect(resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:Deployment tuist-canary/tuist-tuist-processor',
      'kubernetes:apps/v1:Deployment tuist-canary/tuist-tuist-xcresult-processor',
      'kubernetes:core/v1:Secret vm-credential-secret',
      'kubernetes:external-secrets.io/v1:ExternalSecret tuist-canary/tuist-tuist-processor-external-secrets',
      'kubernetes:postgresql.cnpg.io/v1:Pooler tuist-canary/tuist-tuist-pg-pooler-rw',
      'pulumi:providers:kubernetes kubernetes-canary',
      'pulumi:providers:tailscale tailscale-tuist',
      'pulumi-nodejs:dynamic/tailnet:PolicyDocument tailnet-policy-document',
      credentialResource(canary),
    ].sort());
    expect(resources.filter((r) => r.protect)).toEqual([]);
  });

  test('reports the policy it wrote', async () => {
    const { outputs } = await runStack(canary);
    expect(outputs.tailnetPolicy).toMatchObject({ tailnet: canary.tailnet.tailnet, environment: 'canary', liveBefore: 'managed' });
  });

  test('another stack writes between its read and its write: the write is refused (412), recomputed from the newer policy, and both changes survive', async () => {
    const model = loadModel();
    // Production rolls an extra port while canary's up is in flight.
    const newer = variant(production, (d) => { d.policy.vmToCluster.push({ proto: 'tcp', port: 4000, purpose: 'test' }); });
    const then = loadModel(ENVIRONMENTS.map((e) => (e.name === production.name ? newer : e)), TAILNETS);
    const live = steadyState(model, canary.tailnet.tailnet);
    const changedCanary = variant(canary, (d) => { d.policy.vmToCluster.push({ proto: 'tcp', port: 9000, purpose: 'test' }); });
    const now = loadModel(ENVIRONMENTS.map((e) => (e.name === canary.name ? changedCanary : e)), TAILNETS);
    const run = await runStack(changedCanary, {
      model: now, livePolicy: live,
      concurrentWriter: (text) => planPolicyWrite(writeIntent(then, newer), text, testKey(production.name)).hujson,
    });
    const grants = (parseLivePolicy(run.livePolicyAfter, 'after').grants as { src: string[]; dst: string[]; ip: string[] }[]);
    const ports = (env: typeof canary) => grants.filter((g) => g.src.includes(env.tailnet.vmTag) && g.dst.includes(env.tailnet.clusterTag)).flatMap((g) => g.ip);
    expect(ports(production)).toContain('tcp:4000');
    expect(ports(canary)).toContain('tcp:9000');
    expect(run.policyWrites).toBe(1);
  });

  test('fails, naming the entry, before and after, when one of its entries was edited in the admin console', async () => {
    const live = steadyState(loadModel(), canary.tailnet.tailnet);
    const vmGrant = `"src": ["${canary.tailnet.vmTag}"], "dst": ["${poolerProxyTags(canary)[0]}"], "ip": ["tcp:5432"`;
    expect(live).toContain(vmGrant);
    const edited = live.replace(vmGrant, `${vmGrant}, "tcp:22"`);
    await expect(runStack(canary, { livePolicy: edited })).rejects.toThrow(
      /^Stack "canary" wrote revision \d+ of its entries in the policy of tailnet "tuist", and 1 of them changed outside Pulumi \(admin console\):\n {2}- grants\[\+\]: written as .*"tcp:5432"\]\S*; live now .*"tcp:5432","tcp:22"\].*\nNothing was written\. Fix: revert the edit in the admin console/,
    );
  });
});
