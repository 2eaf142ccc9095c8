import * as k8s from '@pulumi/kubernetes';
import { NAMES as OBJECT_NAMES } from '../fixtures';
import type { EnvironmentConfig } from '../../src/config/types';
import { AppliedManifests } from '../../src/pulumi/applied-manifests';
import { type RecordedResource, runOffline } from '../../src/pulumi/offline-run';
import { objectKey } from '../../src/synth/manifests';
import { canary, production, synth } from '../fixtures';


/** Applies `env`'s synthesized objects after a stand-in for the stack's own credential Secret. */
async function apply(env: EnvironmentConfig) {
  const { objects } = synth(env);
  const run = await runOffline({ stack: env.name, now: new Date(0), livePolicy: '{}', preview: false }, async () => {
    const provider = new k8s.Provider('kubernetes', { context: 'ctx' });
    const credential = new k8s.core.v1.Secret('credential', { metadata: { name: 'credential', namespace: env.namespace } }, { provider });
    new AppliedManifests('manifests', { environment: env, objects, secrets: [credential], provider });
    return {};
  });
  const applied = run.resources.filter((r) => r.parent.endsWith('::tuist:kubernetes:AppliedManifests::manifests'));
  const byKey = new Map(applied.map((r) => [objectKey(r.inputs as any), r]));
  const credential = run.resources.find((r) => r.name === 'credential')!;
  return { objects, applied, byKey, credential };
}

const urns = (resources: readonly (RecordedResource | undefined)[]): string[] => resources.map((r) => r!.urn).sort();

describe('applied manifests', () => {
  test('applies exactly the synthesized objects, one resource each, through the stack\'s Kubernetes provider', async () => {
    const { objects, applied } = await apply(production);
    expect(applied.map((r) => r.inputs)).toEqual(expect.arrayContaining(objects as unknown[]));
    expect(applied).toHaveLength(objects.length);
    for (const r of applied) expect(r.provider).toMatch(/::pulumi:providers:kubernetes::kubernetes::/);
  });

  test('Secrets and ExternalSecrets first, then the pooler, then the workloads', async () => {
    const { byKey, credential } = await apply(production);
    const externalSecret = byKey.get('ExternalSecret/tuist/tuist-tuist-processor-external-secrets');
    const pooler = byKey.get('Pooler/tuist/tuist-tuist-pg-pooler-rw');
    expect(externalSecret!.dependencies).toEqual([]);
    expect([...pooler!.dependencies].sort()).toEqual(urns([credential, externalSecret]));
    for (const name of ['tuist-tuist-processor', 'tuist-tuist-xcresult-processor']) {
      expect([...byKey.get(`Deployment/tuist/${name}`)!.dependencies].sort()).toEqual(urns([credential, externalSecret, pooler]));
    }
  });

  test('no ExternalSecret syncs the VM credential (canary\'s stack owns it, as every stack does)', async () => {
    const { byKey } = await apply(canary);
    expect(byKey.get(`ExternalSecret/tuist-canary/${OBJECT_NAMES.vmCredentialSecret}`)).toBeUndefined();
  });

  test('production\'s pooler and ExternalSecrets are protected; its workloads are not', async () => {
    const { applied } = await apply(production);
    const protectedKeys = applied.filter((r) => r.protect).map((r) => objectKey(r.inputs as any)).sort();
    expect(protectedKeys).toEqual(['ExternalSecret/tuist/tuist-tuist-processor-external-secrets', 'Pooler/tuist/tuist-tuist-pg-pooler-rw']);
  });

  test('canary protects nothing', async () => {
    const { applied } = await apply(canary);
    expect(applied.filter((r) => r.protect)).toEqual([]);
  });

  test('the xcresult processor\'s rollout is awaited past its 1800 s progress deadline', async () => {
    const { byKey } = await apply(production);
    expect(byKey.get('Deployment/tuist/tuist-tuist-xcresult-processor')!.customTimeouts).toEqual({ create: '35m', update: '35m', delete: '' });
    expect(byKey.get('Deployment/tuist/tuist-tuist-processor')!.customTimeouts).toEqual({ create: '', update: '', delete: '' });
  });
});
