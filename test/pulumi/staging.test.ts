import { RESOURCE_TYPES } from '../../src/pulumi/guard-rails';
import { DAY_MS, rotationWindow } from '../../src/pulumi/credential-rotation';
import { staging, variant } from '../fixtures';
import { credentialResource, describeEnvironmentStack } from './environment-stack-contract';
import { NOW, runStack } from './run-stack';

describeEnvironmentStack(staging);

describe('stack "staging"', () => {
  test('registers its policy, its VM credential and its Secret, and its four objects; protects nothing', async () => {
    const { resources } = await runStack(staging);
    expect(resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:Deployment tuist-staging/tuist-tuist-processor',
      'kubernetes:apps/v1:Deployment tuist-staging/tuist-tuist-xcresult-processor',
      'kubernetes:core/v1:Secret vm-credential-secret',
      'kubernetes:external-secrets.io/v1:ExternalSecret tuist-staging/tuist-tuist-processor-external-secrets',
      'kubernetes:postgresql.cnpg.io/v1:Pooler tuist-staging/tuist-tuist-pg-pooler-rw',
      'pulumi:providers:kubernetes kubernetes-staging',
      `pulumi:providers:tailscale tailscale-${staging.tailnet.tailnet}`,
      'pulumi-nodejs:dynamic/tailnet:PolicyDocument tailnet-policy-document',
      credentialResource(staging),
    ].sort());
    expect(resources.filter((r) => r.protect)).toEqual([]);
  });
});

describe('stack "staging" with a reusable pre-auth key (vmCredential.kind "auth-key")', () => {
  const policy = { expiryDays: 30, rotateBeforeExpiryDays: 14 };
  const withKey = variant(staging, (d) => { d.vmCredential = { kind: 'auth-key', ...policy }; });

  describeEnvironmentStack(withKey);

  test('the key: reusable, pre-authorized, ephemeral, expiryDays long, recreated when invalid, retained when replaced', async () => {
    const { one } = await runStack(withKey);
    const key = one(RESOURCE_TYPES.tailnetKey);
    expect(key.inputs).toMatchObject({
      reusable: true, preauthorized: true, ephemeral: true, expiry: policy.expiryDays * 86_400, recreateIfInvalid: 'always', tags: [withKey.tailnet.vmTag],
    });
    expect(key).toMatchObject({ retainOnDelete: true, deleteBeforeReplace: false, replaceOnChanges: ['*'] });
  });

  test('exports the key\'s expiry and when it is renewed', async () => {
    const { outputs } = await runStack(withKey);
    expect(outputs.vmCredential).toMatchObject({
      kind: 'auth-key',
      tags: [withKey.tailnet.vmTag],
      expiresAt: new Date(NOW.getTime() + policy.expiryDays * DAY_MS).toISOString(),
      nextRenewal: rotationWindow(policy, NOW).endsAt.toISOString(),
    });
  });

  test('an up from the next renewal on replaces the key (clock injected); one early in its life keeps it', async () => {
    const minted = await runStack(withKey, { now: NOW });
    const key = (run: typeof minted) => run.one(RESOURCE_TYPES.tailnetKey);
    const dayLater = new Date(NOW.getTime() + DAY_MS);
    expect(dayLater.getTime()).toBeLessThan(Date.parse(minted.outputs.vmCredential.nextRenewal));
    const early = await runStack(withKey, { now: dayLater });
    expect(key(early).inputs).toEqual(key(minted).inputs);
    const late = await runStack(withKey, { now: new Date(minted.outputs.vmCredential.nextRenewal) });
    expect(key(late).inputs.description).not.toEqual(key(minted).inputs.description);
    expect(key(late).urn).toBe(key(minted).urn);
  });
});
