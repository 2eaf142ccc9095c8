import type { EnvironmentManifests, KubeObject } from '../../src/synth/manifests';
import { findObject, staging, synth, variant } from '../fixtures';
import { readPathFacts } from './support/path-facts';
import { poolerProxyTags } from '../../src/tailnet/paths';
import { vmPeerTags } from '../../src/config/names';

/** The manifests with one object of `kind` replaced by `change(object)`. */
function edited(manifests: EnvironmentManifests, kind: string, change: (o: any) => KubeObject): EnvironmentManifests {
  return { ...manifests, objects: manifests.objects.map((o) => (o.kind === kind ? change(structuredClone(o)) : o)) };
}

describe('readPathFacts', () => {
  test('reads the pooler, the VM env and the URL template from the synthesized staging objects', () => {
    const manifests = synth(staging);
    expect(readPathFacts(manifests)).toEqual({
      environment: 'staging',
      pooler: {
        name: 'tuist-tuist-pg-pooler-rw',
        hostname: 'tuist-pg-pooler-staging',
        tags: [...poolerProxyTags(staging)],
        poolMode: 'transaction',
        parameters: { default_pool_size: '20', max_client_conn: '100' },
      },
      vm: { peerTags: vmPeerTags(staging).join(','), pinHosts: `${(staging.pooler.tailnetExposure as { hostname: string }).hostname}=${poolerProxyTags(staging)[0]}`, databaseUrlKey: 'xcresult-processor-database-url' },
      secret: {
        passwordKey: 'password',
        urlTemplate: findObject(manifests, 'ExternalSecret').spec.target.template.data['xcresult-processor-database-url'],
      },
    });
  });

  test('fails when the pooler is not on the tailnet, naming the missing annotation', () => {
    const manifests = edited(synth(staging), 'Pooler', (o) => {
      delete o.spec.serviceTemplate.metadata.annotations['tailscale.com/hostname'];
      return o;
    });
    expect(() => readPathFacts(manifests)).toThrow(
      'e2e fixture, environment "staging", Pooler/tuist-tuist-pg-pooler-rw: has no spec.serviceTemplate.metadata.annotations.tailscale.com/hostname',
    );
  });

  test('fails when the VM reads the in-cluster URL key', () => {
    const env = variant(staging, (d) => { d.xcresultProcessor.databaseUrlSecretKey = 'processor-database-url'; });
    expect(() => readPathFacts(synth(env))).toThrow(/DATABASE_URL reads key "processor-database-url", not the tailnet URL "xcresult-processor-database-url"/);
  });

  test('fails when the ExternalSecret reads more than the password', () => {
    const manifests = edited(synth(staging), 'ExternalSecret', (o) => {
      o.spec.data.push({ secretKey: 'other', remoteRef: { key: 'k', property: 'p' } });
      return o;
    });
    expect(() => readPathFacts(manifests)).toThrow(/spec\.data has 2 entries; the e2e supplies exactly one vault value/);
  });

  test('fails when a pgbouncer parameter is not a string', () => {
    const manifests = edited(synth(staging), 'Pooler', (o) => {
      o.spec.pgbouncer.parameters.default_pool_size = 20;
      return o;
    });
    expect(() => readPathFacts(manifests)).toThrow(/spec\.pgbouncer\.parameters\.default_pool_size is 20; CNPG wants strings/);
  });
});
