import { loadModel } from '../../src/config/load';
import { planPolicyWrite } from '../../src/pulumi/policy-writer';
import { canary, production } from '../fixtures';
import { describeEnvironmentStack } from './environment-stack-contract';
import { runStack } from './run-stack';

describeEnvironmentStack(canary);

describe('stack "canary"', () => {
  test('registers its policy and its objects, the vault-synced VM credential among them; protects nothing', async () => {
    const { resources } = await runStack(canary);
    expect(resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:Deployment tuist-canary/tuist-processor',
      'kubernetes:apps/v1:Deployment tuist-canary/tuist-xcresult-processor',
      'kubernetes:external-secrets.io/v1:ExternalSecret tuist-canary/tuist-macos-fleet-tailscale',
      'kubernetes:external-secrets.io/v1:ExternalSecret tuist-canary/tuist-processor-database',
      'kubernetes:postgresql.cnpg.io/v1:Pooler tuist-canary/tuist-pg-pooler-rw',
      'pulumi:providers:kubernetes kubernetes-canary',
      'pulumi:providers:tailscale tailscale-tuist',
      'tailscale:index/acl:Acl tailnet-policy-acl',
    ]);
    expect(resources.filter((r) => r.protect)).toEqual([]);
  });

  test('reports the policy it wrote once it reads it back intact', async () => {
    const { outputs } = await runStack(canary);
    expect(outputs.tailnetPolicy).toMatchObject({ tailnet: 'tuist', liveBefore: 'managed', environments: expect.arrayContaining(['canary', 'production']) });
  });

  test('fails the up when another writer replaced the policy right after its write (lost update)', async () => {
    const otherWrite = planPolicyWrite(loadModel(), production, '', { overwriteUnmanaged: true }).hujson;
    await expect(runStack(canary, { livePolicyAfterWrite: otherWrite })).rejects.toThrow(
      /^The policy of tailnet "tuist" changed right after this stack wrote revision \d+: another writer .* Fix: let the other run finish, then run `pulumi up` again/,
    );
  });

  test('fails before registering anything when the live policy was edited in the admin console', async () => {
    const live = planPolicyWrite(loadModel(), canary, '', { overwriteUnmanaged: true }).hujson.replace('"tcp:22"', '"tcp:23"');
    await expect(runStack(canary, { livePolicy: live })).rejects.toThrow(/did not write the policy of tailnet "tuist": the live policy was changed outside Pulumi/);
  });
});
