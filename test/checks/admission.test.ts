import { ESCAPED_PASSWORD_EXPRESSION } from '../../src/k8s/database-url';
import { expectOnlyFailure, pooler, processorSecret, resultOf, runBroken, runWithConfig } from './helpers';
import { poolerProxyTags } from '../../src/tailnet/paths';
import { staging } from '../fixtures';

const annotations = (objects: any[]): Record<string, string> => pooler(objects).spec.serviceTemplate.metadata.annotations;

describe('admission rules', () => {
  describe('admission.pgbouncer-parameters', () => {
    test('fails when a parameter is not on CNPG\'s allow-list', () => {
      const run = runBroken('production', (objects) => { pooler(objects).spec.pgbouncer.parameters.unix_socket_dir = '/tmp'; });
      const failure = expectOnlyFailure(run, 'admission.pgbouncer-parameters', 'production');
      expect(failure.message).toMatch(/spec.pgbouncer.parameters.unix_socket_dir: Invalid or reserved parameter \(not on CNPG's PgBouncer allow-list\); CNPG \S+'s webhook refuses it/);
      expect(failure.fix).toMatch(/Remove "unix_socket_dir"/);
    });

    test('fails when a value is a number, saying how to quote it (the schema refuses it too)', () => {
      const run = runBroken('staging', (objects) => { pooler(objects).spec.pgbouncer.parameters.default_pool_size = 20; });
      const failure = resultOf(run, 'admission.pgbouncer-parameters', 'staging');
      expect(failure).toMatchObject({ status: 'fail', message: expect.stringMatching(/20 is a number; CNPG takes string values only/), fix: 'Quote it: "20".' });
      expect(resultOf(run, 'schema.custom-resources', 'staging').status).toBe('fail');
    });
  });

  test('admission.pooler-name fails when the Pooler is named like its Cluster', () => {
    const run = runBroken('canary', (objects) => { pooler(objects).spec.cluster.name = 'tuist-tuist-pg-pooler-rw'; });
    expect(expectOnlyFailure(run, 'admission.pooler-name', 'canary').message).toMatch(/its name equals spec.cluster.name "tuist-tuist-pg-pooler-rw"/);
  });

  test('admission.pooler-namespace fails when the Pooler is not where the environment\'s Cluster is', () => {
    // The objects rendered for "tuist-staging", the Cluster configured in another namespace.
    const run = runWithConfig('staging', (draft) => { draft.namespace = 'tuist-staging-db'; });
    const failure = expectOnlyFailure(run, 'admission.pooler-namespace', 'staging');
    expect(failure.message).toMatch(/Pooler tuist-tuist-pg-pooler-rw is in namespace "tuist-staging".*Cluster is in "tuist-staging-db"/);
  });

  describe('admission.template-keys', () => {
    test('fails when a template references a key spec.data does not declare (the dependent hops are skipped, not failed)', () => {
      const run = runBroken('canary', (objects) => {
        const data = processorSecret(objects).spec.target.template.data;
        for (const key of Object.keys(data)) data[key] = data[key].replace('.password', '.processor_password');
      });
      const failure = expectOnlyFailure(run, 'admission.template-keys', 'canary');
      expect(failure.message).toMatch(/map has no entry for key "processor_password"/);
      expect(failure.fix).toMatch(/declared: password/);
      expect(resultOf(run, 'path.database-url-host', 'canary').status).toBe('skip');
      expect(resultOf(run, 'path.linux-database-url', 'canary').status).toBe('skip');
    });

    test('passes a template that uses only declared keys, and fails one with syntax the renderer cannot prove', () => {
      const run = runBroken('staging', (objects) => {
        processorSecret(objects).spec.target.template.data['extra'] = `prefix-${ESCAPED_PASSWORD_EXPRESSION}`;
        processorSecret(objects).spec.target.template.data['broken'] = '{{ index . "password" }}';
      });
      const failure = expectOnlyFailure(run, 'admission.template-keys', 'staging');
      expect(failure.message).toMatch(/data\["broken"\]/);
      expect(failure.message).not.toMatch(/data\["extra"\]/);
    });
  });

  test('admission.template-engine fails when a template does not say engine v2', () => {
    const run = runBroken('production', (objects) => { delete processorSecret(objects).spec.target.template.engineVersion; });
    const failure = expectOnlyFailure(run, 'admission.template-engine', 'production');
    expect(failure.message).toMatch(/engineVersion is unset/);
    expect(failure.fix).toMatch(/"v2"/);
  });

  test('admission.tailscale-hostname fails when the hostname is longer than one DNS label', () => {
    const long = `tuist-pg-pooler-${'x'.repeat(45)}-canary`;
    const run = runBroken('canary', (objects) => {
      annotations(objects)['tailscale.com/hostname'] = long;
      const data = processorSecret(objects).spec.target.template.data;
      data['xcresult-processor-database-url'] = data['xcresult-processor-database-url'].replace('tuist-pg-pooler-canary', long);
    });
    expect(long.length).toBeGreaterThan(63);
    expect(expectOnlyFailure(run, 'admission.tailscale-hostname', 'canary').message).toMatch(/is too long, max length is 63 bytes; the Tailscale operator \S+ refuses the Service/);
  });

  test('admission.tailscale-tags fails when a tag carries a space (what it means is right, how it is written is not)', () => {
    const own = poolerProxyTags(staging)[0]!;
    const run = runBroken('staging', (objects) => { annotations(objects)['tailscale.com/tags'] = ` ${own}`; });
    const failure = expectOnlyFailure(run, 'admission.tailscale-tags', 'staging');
    expect(failure.message).toContain(`has " ${own}", not "tag:" followed by a letter`);
  });

  test('admission checks read every Pooler and ExternalSecret, not only the ones on the path', () => {
    const run = runBroken('canary', (objects) => {
      const second = structuredClone(pooler(objects));
      second.metadata.name = 'tuist-pg-pooler-ro';
      second.spec.cluster.name = 'tuist-pg-pooler-ro';
      objects.push(second);
    });
    expect(expectOnlyFailure(run, 'admission.pooler-name', 'canary').message).toMatch(/Pooler tuist-pg-pooler-ro/);
  });
});
