/**
 * CloudNativePG's own Pooler webhook tests (internal/webhook/v1/pooler_webhook_test.go at the
 * release in src/config/cnpg.ts), ported case for case, plus the cases its code decides but its
 * tests do not cover. Each row says what CNPG says; we assert that the port says the same on
 * upstream's own object, and that the gate says the same on our rendered Pooler changed the
 * same way: no false acceptance, no false rejection.
 */
import { CNPG_RELEASE, PGBOUNCER_ALLOWED_PARAMETERS } from '../../src/config/cnpg';
import * as webhook from '../../src/checks/admission/cnpg-pooler-webhook';
import { NAMES, pooler, resultOf, runBroken } from './helpers';

type Verdict = 'refused' | 'accepted';
type Port = 'validatePgBouncer' | 'validateCluster' | 'validateMonitoring' | 'validatePgbouncerGenericParameters';

interface Case {
  /** Upstream's `It(...)` text, or (from the code) a case only the code decides. */
  readonly name: string;
  readonly cnpg: Verdict;
  /** The upstream function the case calls, on upstream's object. */
  readonly port: Port;
  readonly metadata?: Record<string, unknown>;
  readonly spec: Record<string, unknown>;
  /** The same change to our rendered Pooler, and the check that must say what CNPG says. */
  readonly gate: (p: any) => void;
  readonly check: string;
}

const merge = (target: any, patch: Record<string, unknown>): void => {
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof target[key] === 'object') merge(target[key], value as Record<string, unknown>);
    else target[key] = value;
  }
};
const patch = (spec: Record<string, unknown>) => (p: any): void => merge(p.spec, spec);
const tlsOnPooler = (enablePodMonitor: boolean, clientTLSSecret?: { name: string }): Record<string, unknown> => ({
  pgbouncer: clientTLSSecret === undefined ? {} : { clientTLSSecret },
  monitoring: { enablePodMonitor, tls: { enabled: true } },
});

const UPSTREAM: readonly Case[] = [
  { name: "doesn't allow specifying authQuerySecret without any authQuery", cnpg: 'refused', port: 'validatePgBouncer', spec: { pgbouncer: { authQuerySecret: { name: 'test' } } }, gate: patch({ pgbouncer: { authQuerySecret: { name: 'test' } } }), check: 'admission.pgbouncer-auth' },
  { name: "doesn't allow specifying authQuery without any authQuerySecret", cnpg: 'refused', port: 'validatePgBouncer', spec: { pgbouncer: { authQuery: 'test' } }, gate: patch({ pgbouncer: { authQuery: 'test' } }), check: 'admission.pgbouncer-auth' },
  { name: 'allows having both authQuery and authQuerySecret', cnpg: 'accepted', port: 'validatePgBouncer', spec: { pgbouncer: { authQuery: 'test', authQuerySecret: { name: 'test' } } }, gate: patch({ pgbouncer: { authQuery: 'test', authQuerySecret: { name: 'test' } } }), check: 'admission.pgbouncer-auth' },
  { name: 'allows the autoconfiguration mode', cnpg: 'accepted', port: 'validatePgBouncer', spec: { pgbouncer: {} }, gate: patch({ pgbouncer: {} }), check: 'admission.pgbouncer-auth' },
  { name: "doesn't allow not specifying a cluster name", cnpg: 'refused', port: 'validateCluster', spec: { cluster: { name: '' } }, gate: patch({ cluster: { name: '' } }), check: 'admission.pooler-name' },
  { name: "doesn't allow to have a pooler with the same name of the cluster", cnpg: 'refused', port: 'validateCluster', metadata: { name: 'test' }, spec: { cluster: { name: 'test' } }, gate: (p) => { p.spec.cluster.name = p.metadata.name; }, check: 'admission.pooler-name' },
  { name: "doesn't complain when specifying a cluster name", cnpg: 'accepted', port: 'validateCluster', spec: { cluster: { name: 'cluster-example' } }, gate: patch({ cluster: { name: 'cluster-example' } }), check: 'admission.pooler-name' },
  { name: 'does complain when given a fixed parameter', cnpg: 'refused', port: 'validatePgbouncerGenericParameters', spec: { pgbouncer: { parameters: { pool_mode: 'test' } } }, gate: patch({ pgbouncer: { parameters: { pool_mode: 'test' } } }), check: 'admission.pgbouncer-parameters' },
  { name: 'does not complain when given a valid parameter', cnpg: 'accepted', port: 'validatePgbouncerGenericParameters', spec: { pgbouncer: { parameters: { verbose: '10' } } }, gate: patch({ pgbouncer: { parameters: { verbose: '10' } } }), check: 'admission.pgbouncer-parameters' },
  { name: 'returns no error when metrics TLS is disabled', cnpg: 'accepted', port: 'validateMonitoring', spec: {}, gate: () => {}, check: 'admission.pooler-monitoring-tls' },
  { name: 'returns no error when metrics TLS is enabled and clientTLSSecret is set', cnpg: 'accepted', port: 'validateMonitoring', spec: tlsOnPooler(true, { name: 'my-tls' }), gate: patch(tlsOnPooler(true, { name: 'my-tls' })), check: 'admission.pooler-monitoring-tls' },
  { name: 'returns no error when metrics TLS is enabled and the generated PodMonitor is disabled', cnpg: 'accepted', port: 'validateMonitoring', spec: tlsOnPooler(false), gate: patch(tlsOnPooler(false)), check: 'admission.pooler-monitoring-tls' },
  { name: 'rejects when metrics TLS is enabled, generated PodMonitor is on, and clientTLSSecret is missing', cnpg: 'refused', port: 'validateMonitoring', spec: tlsOnPooler(true), gate: patch(tlsOnPooler(true)), check: 'admission.pooler-monitoring-tls' },
  { name: 'rejects when clientTLSSecret has an empty name', cnpg: 'refused', port: 'validateMonitoring', spec: tlsOnPooler(true, { name: '' }), gate: patch(tlsOnPooler(true, { name: '' })), check: 'admission.pooler-monitoring-tls' },
  { name: 'rejects when pgbouncer is nil', cnpg: 'refused', port: 'validateMonitoring', spec: { monitoring: { enablePodMonitor: true, tls: { enabled: true } } }, gate: (p) => { delete p.spec.pgbouncer; merge(p.spec, { monitoring: { enablePodMonitor: true, tls: { enabled: true } } }); }, check: 'admission.pooler-monitoring-tls' },
];

/** What pooler_webhook.go decides and its tests do not cover (read from the code at the same release). */
const FROM_THE_CODE: readonly Case[] = [
  { name: '(from the code) serverTLSSecret without authQuery', cnpg: 'refused', port: 'validatePgBouncer', spec: { pgbouncer: { serverTLSSecret: { name: 'tls' } } }, gate: patch({ pgbouncer: { serverTLSSecret: { name: 'tls' } } }), check: 'admission.pgbouncer-auth' },
  { name: '(from the code) serverTLSSecret with authQuery', cnpg: 'accepted', port: 'validatePgBouncer', spec: { pgbouncer: { serverTLSSecret: { name: 'tls' }, authQuery: 'SELECT 1' } }, gate: patch({ pgbouncer: { serverTLSSecret: { name: 'tls' }, authQuery: 'SELECT 1' } }), check: 'admission.pgbouncer-auth' },
  { name: '(from the code) authQuerySecret with an empty name counts as none', cnpg: 'accepted', port: 'validatePgBouncer', spec: { pgbouncer: { authQuerySecret: { name: '' } } }, gate: patch({ pgbouncer: { authQuerySecret: { name: '' } } }), check: 'admission.pgbouncer-auth' },
  { name: '(from the code) pgbouncer is required', cnpg: 'refused', port: 'validatePgBouncer', spec: {}, gate: (p) => { delete p.spec.pgbouncer; }, check: 'admission.pgbouncer-auth' },
  ...['client_tls_ciphers', 'client_tls13_ciphers', 'server_tls13_ciphers'].map((key): Case => ({
    name: `(from the code) ${key} is allowed since 1.29`, cnpg: 'accepted', port: 'validatePgbouncerGenericParameters', spec: { pgbouncer: { parameters: { [key]: 'TLS_AES_256_GCM_SHA384' } } }, gate: patch({ pgbouncer: { parameters: { [key]: 'TLS_AES_256_GCM_SHA384' } } }), check: 'admission.pgbouncer-parameters',
  })),
  { name: '(from the code) unix_socket_dir is not on the list', cnpg: 'refused', port: 'validatePgbouncerGenericParameters', spec: { pgbouncer: { parameters: { unix_socket_dir: '/tmp' } } }, gate: patch({ pgbouncer: { parameters: { unix_socket_dir: '/tmp' } } }), check: 'admission.pgbouncer-parameters' },
];

const CASES = [...UPSTREAM, ...FROM_THE_CODE];

describe(`CNPG ${CNPG_RELEASE.version} Pooler webhook, ported (${CNPG_RELEASE.sources[1]})`, () => {
  test.each(CASES.map((c) => [c.name, c.cnpg, c] as const))('%s: CNPG says %s, the port says the same on upstream\'s object', (_name, cnpg, c) => {
    const object = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: '', ...c.metadata }, spec: { cluster: { name: '' }, ...c.spec } };
    const errors = webhook[c.port](object as any);
    expect(errors.length === 0 ? 'accepted' : 'refused').toBe(cnpg);
  });

  test.each(CASES.map((c) => [c.name, c.cnpg, c] as const))('%s: CNPG says %s, and so does the gate on our Pooler', (_name, cnpg, c) => {
    const run = runBroken('staging', (objects) => c.gate(pooler(objects)));
    const result = resultOf(run, c.check, 'staging');
    expect(result.status === 'fail' ? 'refused' : 'accepted').toBe(cnpg);
    if (cnpg === 'accepted') {
      // No false rejection anywhere: the whole gate passes the changed Pooler.
      expect(run.results.filter((r) => r.status === 'fail')).toEqual([]);
    } else {
      expect(result.message).toMatch(new RegExp(`^Pooler ${NAMES.pooler}, spec\\.|^Pooler ${NAMES.pooler}, metadata\\.name`));
      expect(result.message).toContain(`CNPG ${CNPG_RELEASE.version}'s webhook refuses it`);
      expect(result.fix).toMatch(/\S/);
    }
  });

  test('the upstream tests are all ported: refusing and accepting cases of every validator', () => {
    for (const port of ['validatePgBouncer', 'validateCluster', 'validateMonitoring', 'validatePgbouncerGenericParameters'] as const) {
      expect(new Set(UPSTREAM.filter((c) => c.port === port).map((c) => c.cnpg))).toEqual(new Set(['refused', 'accepted']));
    }
    expect(UPSTREAM).toHaveLength(15);
  });

  test('the allow-list is exactly the release\'s (57 names), so upgrading is one reviewed change', () => {
    expect(PGBOUNCER_ALLOWED_PARAMETERS.size).toBe(57);
    expect([...PGBOUNCER_ALLOWED_PARAMETERS]).toEqual(expect.arrayContaining(['client_tls_ciphers', 'client_tls13_ciphers', 'server_tls13_ciphers']));
    expect(PGBOUNCER_ALLOWED_PARAMETERS.has('pool_mode')).toBe(false);
  });

  test('the messages say what, where, the value and the fix', () => {
    const run = runBroken('canary', (objects) => { pooler(objects).spec.pgbouncer.serverTLSSecret = { name: 'pooler-tls' }; });
    const result = resultOf(run, 'admission.pgbouncer-auth', 'canary');
    expect(result.message).toBe(`Pooler ${NAMES.pooler}, spec.pgbouncer.authQuery: must specify an auth query when providing an auth query secret (spec.pgbouncer.serverTLSSecret set, authQuery empty); CNPG ${CNPG_RELEASE.version}'s webhook refuses it.`);
    expect(result.fix).toMatch(/Set spec.pgbouncer.authQuery too, or remove spec.pgbouncer.serverTLSSecret/);
  });
});
