import { findObject, staging, synth, variant } from '../fixtures';

const PASSWORD = '{{ .password | urlquery | replace "+" "%20" }}';

describe('ProcessorSecrets', () => {
  const secret = findObject(synth(staging), 'ExternalSecret', 'tuist-tuist-processor-external-secrets');

  test('reads the processor password from the ClusterSecretStore', () => {
    expect(secret.apiVersion).toBe('external-secrets.io/v1');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'onepassword' });
    const { key, property } = staging.processorSecrets.databasePassword;
    expect(secret.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key, property } }]);
  });

  test('composes both URLs with the password URL-escaped, on template engine v2', () => {
    expect(secret.spec.target.template.engineVersion).toBe('v2');
    expect(secret.spec.target.template.data).toEqual({
      'processor-database-url': `postgres://tuist_processor:${PASSWORD}@tuist-tuist-pg-pooler-rw.tuist-staging.svc:5432/tuist`,
      'xcresult-processor-database-url': `postgres://tuist_processor:${PASSWORD}@tuist-pg-pooler-staging:5432/tuist`,
    });
  });

  test('renders only the in-cluster URL when the pooler is not on the tailnet', () => {
    const env = variant(staging, (d) => {
      d.pooler.tailnetExposure = { enabled: false };
      d.xcresultProcessor.tailnetJoin = false;
      d.xcresultProcessor.databaseUrlSecretKey = 'processor-database-url';
    });
    const manifests = synth(env);
    expect(Object.keys(findObject(manifests, 'ExternalSecret', 'tuist-tuist-processor-external-secrets').spec.target.template.data)).toEqual(['processor-database-url']);
    expect(manifests.chart.processorSecrets.urlKeys).toEqual(['processor-database-url']);
  });

  test('writes the Secret the Deployments read, owned by the ExternalSecret', () => {
    expect(secret.spec.target).toMatchObject({ name: 'tuist-tuist-processor-external-secrets', creationPolicy: 'Owner' });
  });
});
