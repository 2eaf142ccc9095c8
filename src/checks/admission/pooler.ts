/**
 * What CloudNativePG's admission webhook refuses in a Pooler and its CRD schema does not say
 * (CNPG 1.30, internal/webhook/v1/pooler_webhook.go).
 */
import { PGBOUNCER_ALLOWED_PARAMETERS } from '../../config/cnpg';
import type { KubeObject } from '../../synth/manifests';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject, field, objectsOfKind } from '../manifest/objects';

function poolerProblems(objects: readonly KubeObject[], judge: (pooler: KubeObject) => Problem[]): Problem[] {
  return objectsOfKind(objects, 'Pooler').flatMap(judge);
}

export const pgbouncerParameters = environmentCheck(
  'admission.pgbouncer-parameters',
  'PgBouncer parameters are on CNPG\'s allow-list and have string values',
  ({ objects }) => fromProblems(poolerProblems(objects, (pooler) => {
    const parameters = (field(pooler, 'spec', 'pgbouncer', 'parameters') ?? {}) as Record<string, unknown>;
    return Object.entries(parameters).flatMap(([key, value]): Problem[] => [
      ...(PGBOUNCER_ALLOWED_PARAMETERS.has(key) ? [] : [{
        message: `${describeObject(pooler)}, spec.pgbouncer.parameters.${key}: not on CNPG's PgBouncer allow-list, so the webhook rejects the Pooler.`,
        fix: `Remove "${key}" (pooler.parameters; the list is in src/config/cnpg.ts).`,
      }]),
      ...(typeof value === 'string' ? [] : [{
        message: `${describeObject(pooler)}, spec.pgbouncer.parameters.${key}: ${JSON.stringify(value)} is a ${typeof value}; CNPG takes string values only.`,
        fix: `Quote it: ${JSON.stringify(String(value))}.`,
      }]),
    ]);
  }), 'Every PgBouncer parameter is allow-listed and a string.'),
);

export const poolerName = environmentCheck(
  'admission.pooler-name',
  'The Pooler is not named like the Cluster it fronts',
  ({ objects }) => fromProblems(poolerProblems(objects, (pooler) => {
    const cluster = field(pooler, 'spec', 'cluster', 'name');
    return pooler.metadata.name !== cluster ? [] : [{
      message: `${describeObject(pooler)}: its name equals spec.cluster.name "${cluster}"; CNPG refuses a Pooler named like a Cluster in its namespace (their Services would clash).`,
      fix: `Rename the Pooler, e.g. "${pooler.metadata.name}-rw" (pooler.name).`,
    }];
  }), 'No Pooler is named like its Cluster.'),
);

export const poolerNamespace = environmentCheck(
  'admission.pooler-namespace',
  "The Pooler lives in its Cluster's namespace (the environment's)",
  ({ environment, objects }) => fromProblems(poolerProblems(objects, (pooler) => (
    pooler.metadata.namespace === environment.namespace ? [] : [{
      message: `${describeObject(pooler)} is in namespace "${pooler.metadata.namespace ?? '(unset)'}"; spec.cluster names a Cluster in the Pooler's own namespace, and the environment's Cluster is in "${environment.namespace}".`,
      fix: `Render the Pooler into namespace "${environment.namespace}".`,
    }]
  )), `Every Pooler is in "${environment.namespace}", with its Cluster.`),
);
