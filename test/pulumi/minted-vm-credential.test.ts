import * as k8s from '@pulumi/kubernetes';
import * as tailscale from '@pulumi/tailscale';
import { VM_CREDENTIAL_KEY, objectNames } from '../../src/config/names';
import type { EnvironmentConfig } from '../../src/config/types';
import { rotationWindow } from '../../src/pulumi/credential-rotation';
import { MintedVmCredential } from '../../src/pulumi/minted-vm-credential';
import { OFFLINE_VALUES, type RecordedResource, runOffline } from '../../src/pulumi/offline-run';
import { RESOURCE_TYPES } from '../../src/pulumi/guard-rails';
import { staging, variant } from '../fixtures';

const now = new Date('2026-03-10T12:00:00Z');
const withKey = variant(staging, (d) => { d.vmCredential = { kind: 'auth-key', expiryDays: 30, rotateBeforeExpiryDays: 14 }; });

/** Mints the credential of `env` on its own, after a policy resource, and records what it registers. */
async function mint(env: EnvironmentConfig, clock = now) {
  const run = await runOffline({ stack: env.name, now: clock, livePolicy: '{}', preview: false }, async () => {
    const tagPolicy = new tailscale.Acl('policy', { acl: '{}' });
    const credential = new MintedVmCredential('vm-credential', {
      environment: env,
      credential: env.vmCredential,
      secret: { name: objectNames(staging).vmCredentialSecret, key: VM_CREDENTIAL_KEY },
      now: clock,
      tagPolicy,
      tailscaleProvider: new tailscale.Provider('tailscale', { tailnet: 'T1' }),
      kubernetesProvider: new k8s.Provider('kubernetes', { context: 'ctx' }),
    });
    return { status: credential.status };
  });
  const one = (type: string): RecordedResource => {
    const found = run.resources.filter((r) => r.type === type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]!;
  };
  return { ...run, one };
}

describe('minted VM credential: auth key', () => {
  test('a reusable, pre-authorized, ephemeral key with an explicit expiry, tagged with the VM tag only', async () => {
    const { one } = await mint(withKey);
    const key = one(RESOURCE_TYPES.tailnetKey);
    expect(key.inputs).toEqual({
      description: `tuist-macmini-staging-rotation-${rotationWindow({ expiryDays: 30, rotateBeforeExpiryDays: 14 }, now).index}`,
      tags: ['tag:tuist-macmini-staging'],
      reusable: true,
      preauthorized: true,
      ephemeral: true,
      expiry: 30 * 86_400,
      recreateIfInvalid: 'always',
    });
    expect(key.replaceOnChanges).toEqual(['*']);
  });

  test('is minted after the policy that owns its tag, through the stack\'s Tailscale provider', async () => {
    const { one } = await mint(withKey);
    const key = one(RESOURCE_TYPES.tailnetKey);
    expect(key.dependencies).toEqual([one(RESOURCE_TYPES.acl).urn]);
    expect(key.provider).toMatch(/^urn:pulumi:staging::tuist-tailnet-pooler::pulumi:providers:tailscale::tailscale::/);
  });

  test('reaches the cluster as the Secret the Deployment reads, its value a Pulumi secret', async () => {
    const { one } = await mint(withKey);
    const secret = one('kubernetes:core/v1:Secret');
    expect(secret.inputs).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: objectNames(staging).vmCredentialSecret,
        namespace: 'tuist-staging',
        labels: expect.objectContaining({ 'tuist.dev/environment': 'staging', 'app.kubernetes.io/name': 'macos-fleet-tailscale' }),
      },
      type: 'Opaque',
      stringData: { [VM_CREDENTIAL_KEY]: OFFLINE_VALUES.authKey('vm-credential-auth-key') },
    });
    expect(secret.secretPaths).toEqual(['stringData']);
    expect(JSON.stringify(secret.redactedInputs)).not.toContain(OFFLINE_VALUES.authKey('vm-credential-auth-key'));
    expect(secret.provider).toMatch(/::pulumi:providers:kubernetes::kubernetes::/);
  });

  test('an up inside the rotation window keeps the key; an up from the window\'s end on replaces it', async () => {
    const window = rotationWindow({ expiryDays: 30, rotateBeforeExpiryDays: 14 }, now);
    const description = async (clock: Date) => (await mint(withKey, clock)).one(RESOURCE_TYPES.tailnetKey).inputs.description;
    const minted = await description(now);
    expect(await description(new Date(window.endsAt.getTime() - 1))).toBe(minted);
    // 16 days after the window opened: the key has at most 14 of its 30 days left.
    expect(await description(window.endsAt)).not.toBe(minted);
  });
});

describe('minted VM credential: OAuth client', () => {
  const oauth = variant(staging, (d) => { d.vmCredential = { kind: 'oauth-client' }; });

  test('an OAuth client scoped to minting keys for the VM tag only, which never expires', async () => {
    const { one, outputs, resources } = await mint(oauth);
    expect(one(RESOURCE_TYPES.oauthClient).inputs).toEqual({
      description: 'tuist-macmini-staging-vm-joins',
      scopes: ['auth_keys'],
      tags: ['tag:tuist-macmini-staging'],
    });
    expect(resources.filter((r) => r.type === RESOURCE_TYPES.tailnetKey)).toEqual([]);
    expect(outputs.status).toEqual({
      kind: 'oauth-client', tags: ['tag:tuist-macmini-staging'], expiresAt: 'never', nextRenewal: 'never',
      urn: one(RESOURCE_TYPES.oauthClient).urn, deliveredTo: { secretName: `tuist-staging/${objectNames(staging).vmCredentialSecret}`, key: VM_CREDENTIAL_KEY },
    });
    // Revoked (not retained) when replaced or removed: it would never expire on its own.
    expect(one(RESOURCE_TYPES.oauthClient)).toMatchObject({ retainOnDelete: false, deleteBeforeReplace: false, replaceOnChanges: ['*'] });
  });

  test('its secret is what the Secret delivers, as a Pulumi secret', async () => {
    const { one } = await mint(oauth);
    const secret = one('kubernetes:core/v1:Secret');
    expect((secret.inputs.stringData as Record<string, string>)[VM_CREDENTIAL_KEY]).toBe(OFFLINE_VALUES.oauthClientSecret('vm-credential-oauth-client'));
    expect(secret.secretPaths).toEqual(['stringData']);
  });
});

describe('minted VM credential: limits', () => {
  test('fails when the VM tag makes the description longer than Tailscale accepts', async () => {
    const long = variant(withKey, (d) => { d.tailnet.vmTag = `tag:${'m'.repeat(40)}-staging`; });
    await expect(mint(long)).rejects.toThrow(/environment "staging": the VM credential's description "m+-staging-rotation-\d+" has \d+ characters; Tailscale accepts at most 50\. Fix: shorten tailnet\.vmTag\./);
  });
});
