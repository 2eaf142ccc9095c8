/**
 * What CloudNativePG's admission webhook refuses in a Pooler and its CRD schema does not say
 * (the port in cnpg-pooler-webhook.ts, at the release in src/config/cnpg.ts), plus what the
 * CRD only hints at: parameter values are strings, and the Pooler's Cluster is in its namespace.
 */
import { CNPG_RELEASE } from '../../config/cnpg';
import type { KubeObject } from '../../synth/manifests';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject, field, objectsOfKind } from '../manifest/objects';
import { type WebhookError, validateCluster, validateMonitoring, validatePgBouncer, validatePgbouncerGenericParameters } from './cnpg-pooler-webhook';

function poolerProblems(objects: readonly KubeObject[], judge: (pooler: KubeObject) => Problem[]): Problem[] {
  return objectsOfKind(objects, 'Pooler').flatMap(judge);
}

/** A webhook error as a report problem: the object, the field, upstream's reason. */
function webhookProblems(pooler: KubeObject, errors: readonly WebhookError[]): Problem[] {
  return errors.map((e) => ({ message: `${describeObject(pooler)}, ${e.field}: ${e.detail}; CNPG ${CNPG_RELEASE.version}'s webhook refuses it.`, fix: e.fix }));
}

export const pgbouncerParameters = environmentCheck(
  'admission.pgbouncer-parameters',
  'PgBouncer parameters are on CNPG\'s allow-list and have string values',
  ({ objects }) => fromProblems(poolerProblems(objects, (pooler) => {
    const parameters = (field(pooler, 'spec', 'pgbouncer', 'parameters') ?? {}) as Record<string, unknown>;
    return [
      ...webhookProblems(pooler, validatePgbouncerGenericParameters(pooler)),
      ...Object.entries(parameters).flatMap(([key, value]): Problem[] => (typeof value === 'string' ? [] : [{
        message: `${describeObject(pooler)}, spec.pgbouncer.parameters.${key}: ${JSON.stringify(value)} is a ${typeof value}; CNPG takes string values only.`,
        fix: `Quote it: ${JSON.stringify(String(value))}.`,
      }])),
    ];
  }), `Every PgBouncer parameter is on CNPG ${CNPG_RELEASE.version}'s allow-list and a string.`),
);

export const pgbouncerAuthentication = environmentCheck(
  'admission.pgbouncer-auth',
  'spec.pgbouncer is set, and an auth query comes with a secret (authQuerySecret or serverTLSSecret) and the reverse',
  ({ objects }) => fromProblems(poolerProblems(objects, (pooler) => webhookProblems(
    pooler,
    validatePgBouncer(pooler).filter((e) => !e.field.startsWith('spec.pgbouncer.parameters.')),
  )), 'Every Pooler has spec.pgbouncer, and either CNPG integrates it (no auth query, no secrets) or both an auth query and its secret are set.'),
);

export const poolerName = environmentCheck(
  'admission.pooler-name',
  'The Pooler names a Cluster, and is not named like it',
  ({ objects }) => fromProblems(poolerProblems(objects, (pooler) => webhookProblems(pooler, validateCluster(pooler))),
    'Every Pooler names its Cluster, and none is named like it.'),
);

export const poolerMonitoringTls = environmentCheck(
  'admission.pooler-monitoring-tls',
  'TLS metrics with the operator-generated PodMonitor come with the pooler\'s own clientTLSSecret',
  ({ objects }) => fromProblems(poolerProblems(objects, (pooler) => webhookProblems(pooler, validateMonitoring(pooler))),
    'No Pooler serves TLS metrics to a generated PodMonitor without its own certificate.'),
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
