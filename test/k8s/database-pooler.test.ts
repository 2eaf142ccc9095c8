import { findObject, staging, synth, variant } from '../fixtures';
import { poolerProxyTags } from '../../src/tailnet/paths';

describe('DatabasePooler', () => {
  const pooler = findObject(synth(staging), 'Pooler');

  test('is a read-write PgBouncer pooler in transaction mode with string parameters', () => {
    expect(pooler.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(pooler.metadata).toMatchObject({ name: 'tuist-tuist-pg-pooler-rw', namespace: 'tuist-staging' });
    expect(pooler.spec).toMatchObject({
      cluster: { name: 'tuist-tuist-pg' },
      type: 'rw',
      instances: 1,
      pgbouncer: { poolMode: 'transaction', parameters: { default_pool_size: '20', max_client_conn: '100' } },
    });
    for (const value of Object.values(pooler.spec.pgbouncer.parameters)) expect(typeof value).toBe('string');
  });

  test('exposes its Service on the tailnet through the Tailscale operator annotations', () => {
    expect(pooler.spec.serviceTemplate.metadata.annotations).toEqual({
      'tailscale.com/expose': 'true',
      'tailscale.com/hostname': 'tuist-pg-pooler-staging',
      'tailscale.com/tags': poolerProxyTags(staging).join(','),
    });
  });

  test('joins several tags with commas and no spaces', () => {
    const env = variant(staging, (d) => { (d.pooler.tailnetExposure as any).tags = ['tag:tuist-k8s-staging', 'tag:tuist-k8s-extra-staging']; });
    expect(findObject(synth(env), 'Pooler').spec.serviceTemplate.metadata.annotations['tailscale.com/tags'])
      .toBe('tag:tuist-k8s-staging,tag:tuist-k8s-extra-staging');
  });

  test('renders no serviceTemplate when the exposure is off', () => {
    const env = variant(staging, (d) => { d.pooler.tailnetExposure = { enabled: false }; });
    const manifests = synth(env);
    expect(findObject(manifests, 'Pooler').spec.serviceTemplate).toBeUndefined();
    expect(manifests.chart.pooler.tailnetHostname).toBeUndefined();
  });

  test('names its in-cluster Service host after itself and its namespace', () => {
    const { chart } = synth(staging);
    expect(chart.pooler.serviceName).toBe('tuist-tuist-pg-pooler-rw');
    expect(chart.pooler.serviceHost).toBe('tuist-tuist-pg-pooler-rw.tuist-staging.svc');
    expect(chart.pooler.port).toBe(5432);
  });
});
