import * as eso from '../../imports/eso-externalsecret-external-secrets.io';
import type { SecretStoreRef } from '../config/types';

/** The typed `secretStoreRef` of an ExternalSecret. */
export function secretStoreRef(store: SecretStoreRef): eso.ExternalSecretSpecSecretStoreRef {
  return {
    kind: store.kind === 'ClusterSecretStore'
      ? eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE
      : eso.ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
    name: store.name,
  };
}
