import { VM_CREDENTIAL_ANNOTATION, vmCredentialGeneration } from '../../src/k8s/vm-credential';
import { VM_CREDENTIAL_KEY } from '../../src/config/names';
import { NAMES as OBJECT_NAMES } from '../fixtures';
import { ENVIRONMENTS, containerEnv, findObject, staging, synth, variant } from '../fixtures';


const withKey = variant(staging, (d) => { d.vmCredential = { kind: 'auth-key', expiryDays: 30, rotateBeforeExpiryDays: 14 }; });
const oauth = variant(staging, (d) => { d.vmCredential = { kind: 'oauth-client' }; });
const xcresult = (env: typeof staging) => findObject(synth(env), 'Deployment', OBJECT_NAMES.xcresultProcessorDeployment);

describe('VmCredential', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name, e]))('%s: renders no Secret or ExternalSecret for it (the stack writes it); the Deployment reads it by name and key', (_, env) => {
    const manifests = synth(env);
    expect(manifests.objects.filter((o) => o.metadata.name === OBJECT_NAMES.vmCredentialSecret)).toEqual([]);
    expect(manifests.objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(containerEnv(xcresult(env)).TAILSCALE_AUTH_KEY).toEqual({ secretKeyRef: { name: OBJECT_NAMES.vmCredentialSecret, key: VM_CREDENTIAL_KEY } });
  });

  test('the VM asks for its environment\'s VM tag, whatever the credential (vm/tailscale-up.sh requires TAILSCALE_TAGS)', () => {
    expect(containerEnv(xcresult(oauth)).TAILSCALE_TAGS).toBe(oauth.tailnet.vmTag);
    expect(containerEnv(xcresult(withKey)).TAILSCALE_TAGS).toBe(withKey.tailnet.vmTag);
  });

  test('the pod template names the credential\'s generation, which changes with its kind and tags, so a switch rolls the VMs', () => {
    const annotation = (env: typeof staging) => xcresult(env).spec.template.metadata.annotations[VM_CREDENTIAL_ANNOTATION];
    expect(annotation(oauth)).toBe(vmCredentialGeneration(oauth));
    expect(annotation(withKey)).toBe(vmCredentialGeneration(withKey));
    expect(annotation(oauth)).not.toBe(annotation(withKey));
    const retagged = variant(oauth, (d) => { d.tailnet.vmTag = 'tag:tuist-macmini-fleet2-staging'; });
    expect(annotation(retagged)).not.toBe(annotation(oauth));
    // The value and the clock are not in it: synthesis stays deterministic and holds no secret.
    expect(annotation(oauth)).not.toMatch(/tskey|\d{4}-\d{2}-\d{2}/);
  });

  test('a VM that does not join the tailnet gets neither the credential nor its annotation', () => {
    const off = variant(staging, (d) => { d.xcresultProcessor.tailnetJoin = false; });
    expect(containerEnv(xcresult(off)).TAILSCALE_AUTH_KEY).toBeUndefined();
    expect(xcresult(off).spec.template.metadata.annotations[VM_CREDENTIAL_ANNOTATION]).toBeUndefined();
  });
});
