import { objectKey } from '../../src/synth/manifests';
import { KIND_RULES, ROLLOUT_AWAIT_MARGIN_SECONDS, planManifests } from '../../src/pulumi/manifest-plan';
import { XCRESULT_PROGRESS_DEADLINE_SECONDS } from '../../src/k8s/xcresult-processor';
import { ENVIRONMENTS, production, staging, synth } from '../fixtures';

describe('manifest plan', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('%s: every synthesized object, in synthesis order, in its own namespace', (_, env) => {
    const { objects } = synth(env);
    const plan = planManifests(env, objects);
    expect(plan.map((p) => p.object)).toEqual(objects);
    expect(plan.map((p) => p.resourceName)).toEqual(objects.map((o) => `${env.namespace}/${o.metadata.name}`));
  });

  test('secrets come before the pooler, which comes before the workloads', () => {
    const phases = Object.fromEntries(planManifests(production, synth(production).objects).map((p) => [objectKey(p.object), p.phase]));
    expect(phases).toEqual({
      'Pooler/tuist/tuist-tuist-pg-pooler-rw': 'data-path',
      'ExternalSecret/tuist/tuist-tuist-processor-external-secrets': 'secrets',
      'Deployment/tuist/tuist-tuist-processor': 'workloads',
      'PodDisruptionBudget/tuist/tuist-tuist-processor': 'workloads',
      'Deployment/tuist/tuist-tuist-xcresult-processor': 'workloads',
      'PodDisruptionBudget/tuist/tuist-tuist-xcresult-processor': 'workloads',
    });
  });

  test('production protects its stateful objects (pooler, ExternalSecrets) and nothing else', () => {
    const protectedKeys = planManifests(production, synth(production).objects).filter((p) => p.protect).map((p) => objectKey(p.object));
    expect(protectedKeys).toEqual(['Pooler/tuist/tuist-tuist-pg-pooler-rw', 'ExternalSecret/tuist/tuist-tuist-processor-external-secrets']);
  });

  test.each([['staging'], ['canary']])('%s protects nothing, so it can be torn down and rebuilt', (name) => {
    const env = ENVIRONMENTS.find((e) => e.name === name)!;
    expect(planManifests(env, synth(env).objects).filter((p) => p.protect)).toEqual([]);
  });

  test('a Deployment is awaited past its own progress deadline; other kinds keep the default', () => {
    const plan = planManifests(staging, synth(staging).objects);
    const timeouts = Object.fromEntries(plan.map((p) => [objectKey(p.object), p.awaitTimeout]));
    expect(timeouts['Deployment/tuist-staging/tuist-tuist-xcresult-processor']).toBe(`${Math.ceil((XCRESULT_PROGRESS_DEADLINE_SECONDS + ROLLOUT_AWAIT_MARGIN_SECONDS) / 60)}m`);
    expect(timeouts['Pooler/tuist-staging/tuist-tuist-pg-pooler-rw']).toBeUndefined();
    expect(timeouts['ExternalSecret/tuist-staging/tuist-tuist-processor-external-secrets']).toBeUndefined();
  });

  test('every kind the charts render has a rule', () => {
    const kinds = new Set(ENVIRONMENTS.flatMap((e) => synth(e).objects.map((o) => `${o.apiVersion}/${o.kind}`)));
    expect([...kinds].filter((k) => KIND_RULES[k] === undefined)).toEqual([]);
  });

  test('fails when a kind has no apply rule', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: staging.namespace } };
    expect(() => planManifests(staging, [...synth(staging).objects, configMap])).toThrow(
      /environment "staging":\n  - ConfigMap\/tuist-staging\/extra \(apiVersion v1\) has no apply rule; known: .*Fix: add it to KIND_RULES/,
    );
  });

  test('fails when an object lies in another environment\'s namespace', () => {
    const stray = { ...synth(production).objects[0]! };
    expect(() => planManifests(staging, [stray])).toThrow(/Pooler\/tuist\/tuist-tuist-pg-pooler-rw is not in the environment's namespace "tuist-staging"/);
  });
});
