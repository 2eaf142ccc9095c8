import { canary, containerEnv, findObject, staging, synth, variant } from '../fixtures';

describe('VmCredential', () => {
  test('is synced from the vault by an ExternalSecret when the environment says so', () => {
    const manifests = synth(canary);
    const secret = findObject(manifests, 'ExternalSecret', 'tuist-tuist-capi-scaleway-applesilicon-tailscale');
    expect(secret.spec).toMatchObject({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'onepassword' },
      target: { name: 'tuist-tuist-capi-scaleway-applesilicon-tailscale', creationPolicy: 'Owner' },
      data: [{ secretKey: 'auth-key', remoteRef: (canary.vmCredential as { remoteRef: object }).remoteRef }],
    });
    expect(containerEnv(findObject(manifests, 'Deployment', 'tuist-tuist-xcresult-processor')).TAILSCALE_AUTH_KEY)
      .toEqual({ secretKeyRef: { name: 'tuist-tuist-capi-scaleway-applesilicon-tailscale', key: 'auth-key' } });
  });

  test('renders nothing when Pulumi delivers it, and the Deployment still references it by name', () => {
    const manifests = synth(staging);
    expect(manifests.objects.filter((o) => o.metadata.name === 'tuist-tuist-capi-scaleway-applesilicon-tailscale')).toEqual([]);
    expect(manifests.objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(containerEnv(findObject(manifests, 'Deployment', 'tuist-tuist-xcresult-processor')).TAILSCALE_AUTH_KEY)
      .toEqual({ secretKeyRef: { name: 'tuist-tuist-capi-scaleway-applesilicon-tailscale', key: 'auth-key' } });
  });

  test('the VM always asks for its environment\'s VM tag, whatever the credential', () => {
    const env = variant(staging, (d) => { d.vmCredential = { delivery: 'pulumi', kind: 'oauth-client' }; });
    expect(containerEnv(findObject(synth(env), 'Deployment', 'tuist-tuist-xcresult-processor')).TAILSCALE_TAGS).toBe(staging.tailnet.vmTag);
    expect(containerEnv(findObject(synth(staging), 'Deployment', 'tuist-tuist-xcresult-processor')).TAILSCALE_TAGS).toBe(staging.tailnet.vmTag);
  });
});
