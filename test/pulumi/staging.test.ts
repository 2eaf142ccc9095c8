import { RESOURCE_TYPES } from '../../src/pulumi/guard-rails';
import { DAY_MS, rotationWindow } from '../../src/pulumi/credential-rotation';
import { staging } from '../fixtures';
import { describeEnvironmentStack } from './environment-stack-contract';
import { NOW, runStack } from './run-stack';

describeEnvironmentStack(staging);

describe('stack "staging"', () => {
  const policy = { expiryDays: 30, rotateBeforeExpiryDays: 14 };

  test('registers its policy, a rotated auth key and its Secret, and its four objects; protects nothing', async () => {
    const { resources } = await runStack(staging);
    expect(resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:Deployment tuist-staging/tuist-processor',
      'kubernetes:apps/v1:Deployment tuist-staging/tuist-xcresult-processor',
      'kubernetes:core/v1:Secret vm-credential-secret',
      'kubernetes:external-secrets.io/v1:ExternalSecret tuist-staging/tuist-processor-database',
      'kubernetes:postgresql.cnpg.io/v1:Pooler tuist-staging/tuist-pg-pooler-rw',
      'pulumi-nodejs:dynamic/tailnet:PolicyDocument tailnet-policy-document',
      'pulumi:providers:kubernetes kubernetes-staging',
      `pulumi:providers:tailscale tailscale-${staging.tailnet.tailnet}`,
      'tailscale:index/tailnetKey:TailnetKey vm-credential-auth-key',
    ]);
    expect(resources.filter((r) => r.protect)).toEqual([]);
  });

  test('the key: reusable, pre-authorized, ephemeral, 30 days, recreated when invalid', async () => {
    const { one } = await runStack(staging);
    expect(one(RESOURCE_TYPES.tailnetKey).inputs).toMatchObject({
      reusable: true, preauthorized: true, ephemeral: true, expiry: 30 * 86_400, recreateIfInvalid: 'always', tags: ['tag:tuist-macmini-staging'],
    });
  });

  test('exports the key\'s expiry and when the next up rotates it', async () => {
    const { outputs } = await runStack(staging);
    expect(outputs.vmCredential).toEqual({
      kind: 'auth-key',
      tags: ['tag:tuist-macmini-staging'],
      expiresAt: new Date(NOW.getTime() + 30 * DAY_MS).toISOString(),
      rotatesFrom: rotationWindow(policy, NOW).endsAt.toISOString(),
    });
  });

  test('an up near the key\'s expiry replaces the key (clock injected); one early in its life keeps it', async () => {
    const minted = await runStack(staging, { now: NOW });
    const key = (run: typeof minted) => run.one(RESOURCE_TYPES.tailnetKey);
    const expiresAt = Date.parse(String((minted.outputs.vmCredential as { expiresAt: string }).expiresAt));
    const dayLater = new Date(NOW.getTime() + DAY_MS);
    expect(dayLater.getTime()).toBeLessThan(rotationWindow(policy, NOW).endsAt.getTime());
    const early = await runStack(staging, { now: dayLater });
    expect(key(early).inputs).toEqual(key(minted).inputs);
    // Ten days before expiry, within rotateBeforeExpiryDays (14): every input that forces replacement changes.
    const late = await runStack(staging, { now: new Date(expiresAt - 10 * DAY_MS) });
    expect(key(late).inputs.description).not.toEqual(key(minted).inputs.description);
    expect(key(late).replaceOnChanges).toEqual(['*']);
  });
});
