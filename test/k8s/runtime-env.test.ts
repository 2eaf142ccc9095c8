import { clusterSecretName } from '../../src/config/names';
import { RECEIVERS, tailnetReceiver } from '../../src/config/receivers';
import type { RuntimeEnvironment } from '../../src/config/types';
import { containerEnv, findObject, staging, synth, variant } from '../fixtures';

/** A small runtime of its own, so the assertions follow the fixture, not today's values. */
const RUNTIME: RuntimeEnvironment = {
  mode: 'processor',
  queue: { QUEUE_A: { kind: 'literal', value: '7' } },
  database: { TUIST_DATABASE_POOL_SIZE: { kind: 'literal', value: '3' } },
  licenseAndKeys: { KEY_A: { kind: 'secret', secret: 'serverSecrets', key: 'key-a' } },
  objectStorage: { BUCKET: { kind: 'literal', value: 'bucket-x' } },
  telemetry: {
    SPANS: { kind: 'endpoint', receiver: 'otlp', scheme: 'http', path: '/v1' },
    WHO: { kind: 'pod-field', fieldPath: 'metadata.name' },
  },
  envFrom: ['serverConfig'],
};

const env = variant(staging, (d) => {
  d.processor.runtime = structuredClone(RUNTIME) as any;
  d.xcresultProcessor.runtime = { ...structuredClone(RUNTIME), mode: 'xcresult_processor', clickhouse: { CH: { kind: 'secret-endpoint', secret: 'clickhouse', key: 'url-x', receiver: 'clickhouse' } } } as any;
});
const manifests = synth(env);
const linux = findObject(manifests, 'Deployment', manifests.chart.processor.name);
const vm = findObject(manifests, 'Deployment', manifests.chart.xcresultProcessor.name);

describe('runtime environment', () => {
  test('renders every group: literals, Secret keys of the cluster\'s Secrets, pod fields, envFrom', () => {
    const vars = containerEnv(linux);
    expect(vars).toMatchObject({
      TUIST_MODE: 'processor',
      QUEUE_A: '7',
      TUIST_DATABASE_POOL_SIZE: '3',
      KEY_A: { secretKeyRef: { name: clusterSecretName(env, 'serverSecrets'), key: 'key-a' } },
      BUCKET: 'bucket-x',
      WHO: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    expect(linux.spec.template.spec.containers[0].envFrom).toEqual([{ secretRef: { name: clusterSecretName(env, 'serverConfig') } }]);
  });

  test('a receiver is dialled in the cluster by the Linux processor and over the tailnet by the VM', () => {
    const { clusterHost, port } = RECEIVERS.otlp;
    expect(containerEnv(linux).SPANS).toBe(`http://${clusterHost}:${port}/v1`);
    expect(containerEnv(vm).SPANS).toBe(`http://${tailnetReceiver(env, 'otlp').hostname}:${port}/v1`);
  });

  test('a Secret that holds an endpoint is read by key; only the configuration says where it points', () => {
    expect(containerEnv(vm).CH).toEqual({ secretKeyRef: { name: clusterSecretName(env, 'clickhouse'), key: 'url-x' } });
  });

  test('the constructs\' own variables come once, with the mode first', () => {
    const names = vm.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(names[0]).toBe('TUIST_MODE');
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'TUIST_DATABASE_POOLED', 'TAILSCALE_AUTH_KEY', 'TAILSCALE_TAGS', 'TAILSCALE_HOSTNAME', 'TAILSCALE_PEER_TAGS', 'POD_NAME']));
  });
});
