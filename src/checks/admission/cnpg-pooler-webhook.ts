/**
 * CloudNativePG's Pooler admission webhook, ported rule for rule from
 * internal/webhook/v1/pooler_webhook.go at CNPG_RELEASE (src/config/cnpg.ts). The functions
 * keep the upstream names, so the ported tests (test/checks/admission-cnpg.test.ts) call the
 * same function on the same object as upstream's pooler_webhook_test.go does. Warnings
 * (deprecated fields, manual integration) are not errors upstream and are not ported.
 */
import { PGBOUNCER_ALLOWED_PARAMETERS } from '../../config/cnpg';
import type { KubeObject } from '../../synth/manifests';
import { field } from '../manifest/objects';

/** One `field.Error` of the webhook, with what to do about it. */
export interface WebhookError {
  /** The field the webhook names (ours where upstream names a wrong one, see the allow-list). */
  readonly field: string;
  /** What is wrong, in upstream's words where they are clear. */
  readonly detail: string;
  readonly fix: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** Go's `ref != nil && ref.Name != ""`. */
const namesSomething = (reference: unknown): boolean => text(field(reference, 'name')) !== '';

/** `validatePgBouncer`: pgbouncer is required; a secret for authentication needs an auth query, and the reverse. */
export function validatePgBouncer(pooler: KubeObject): WebhookError[] {
  const pgbouncer = field(pooler, 'spec', 'pgbouncer');
  if (pgbouncer === undefined || pgbouncer === null) {
    return [{ field: 'spec.pgbouncer', detail: 'required pgbouncer configuration', fix: 'Set spec.pgbouncer (at least its poolMode).' }];
  }
  const authQuerySecret = namesSomething(field(pgbouncer, 'authQuerySecret'));
  const serverTLSSecret = namesSomething(field(pgbouncer, 'serverTLSSecret'));
  const authQuery = text(field(pgbouncer, 'authQuery'));
  // Either secret means the user authenticates PgBouncer to PostgreSQL themselves.
  const hasPGAuthentication = authQuerySecret || serverTLSSecret;
  const errors: WebhookError[] = [];
  if (hasPGAuthentication && authQuery === '') {
    const which = [authQuerySecret && 'spec.pgbouncer.authQuerySecret', serverTLSSecret && 'spec.pgbouncer.serverTLSSecret'].filter(Boolean).join(' and ');
    errors.push({
      field: 'spec.pgbouncer.authQuery',
      detail: `must specify an auth query when providing an auth query secret (${which} set, authQuery empty)`,
      fix: `Set spec.pgbouncer.authQuery too, or remove ${which} to let CNPG integrate the Pooler itself.`,
    });
  } else if (!hasPGAuthentication && authQuery !== '') {
    errors.push({
      field: 'spec.pgbouncer.authQuerySecret.name',
      detail: `must specify an existing auth query secret when providing an auth query (authQuery ${JSON.stringify(authQuery)} without authQuerySecret or serverTLSSecret)`,
      fix: 'Set spec.pgbouncer.authQuerySecret (or serverTLSSecret) too, or remove spec.pgbouncer.authQuery.',
    });
  }
  return [...errors, ...validatePgbouncerGenericParameters(pooler)];
}

/**
 * `validatePgbouncerGenericParameters`: every key on the release's allow-list. (Upstream names
 * the field `spec.cluster.parameters`; the parameters are in `spec.pgbouncer.parameters`.)
 */
export function validatePgbouncerGenericParameters(pooler: KubeObject): WebhookError[] {
  const parameters = field(pooler, 'spec', 'pgbouncer', 'parameters');
  if (parameters === null || typeof parameters !== 'object') return [];
  return Object.keys(parameters).filter((key) => !PGBOUNCER_ALLOWED_PARAMETERS.has(key)).map((key) => ({
    field: `spec.pgbouncer.parameters.${key}`,
    detail: 'Invalid or reserved parameter (not on CNPG\'s PgBouncer allow-list)',
    fix: `Remove "${key}" (pooler.parameters; the list is in src/config/cnpg.ts).`,
  }));
}

/** `validateCluster`: a cluster is named, and not like the Pooler (their Services would clash). */
export function validateCluster(pooler: KubeObject): WebhookError[] {
  const cluster = text(field(pooler, 'spec', 'cluster', 'name'));
  const errors: WebhookError[] = [];
  if (cluster === '') {
    errors.push({ field: 'spec.cluster.name', detail: 'must specify a cluster name (it is empty)', fix: 'Name the Cluster the Pooler fronts in spec.cluster.name (database.clusterName).' });
  }
  // Upstream compares even an empty name with an empty cluster name.
  if (cluster === text(pooler.metadata.name)) {
    errors.push({
      field: 'metadata.name',
      detail: `the pooler resource cannot have the same name of a cluster: its name equals spec.cluster.name ${JSON.stringify(cluster)}; CNPG refuses a Pooler named like a Cluster in its namespace (their Services would clash)`,
      fix: `Rename the Pooler, e.g. "${cluster}-pooler-rw" (pooler.name).`,
    });
  }
  return errors;
}

/** `validateMonitoring`: TLS metrics with the operator's PodMonitor need the pooler's own certificate. */
export function validateMonitoring(pooler: KubeObject): WebhookError[] {
  // `IsMetricsTLSEnabled` (api/v1/pooler_funcs.go).
  if (field(pooler, 'spec', 'monitoring', 'tls', 'enabled') !== true) return [];
  if (field(pooler, 'spec', 'monitoring', 'enablePodMonitor') !== true) return [];
  if (namesSomething(field(pooler, 'spec', 'pgbouncer', 'clientTLSSecret'))) return [];
  return [{
    field: 'spec.pgbouncer.clientTLSSecret',
    detail: 'clientTLSSecret is required when spec.monitoring.tls.enabled is true and the operator-generated PodMonitor is enabled (otherwise the metrics endpoint serves the cluster\'s certificate)',
    fix: 'Set spec.pgbouncer.clientTLSSecret to a certificate for the pooler, or set spec.monitoring.enablePodMonitor to false and manage your own PodMonitor.',
  }];
}

/** `validate`: everything the webhook refuses on create and update. */
export function validate(pooler: KubeObject): WebhookError[] {
  return [...validatePgBouncer(pooler), ...validateCluster(pooler), ...validateMonitoring(pooler)];
}
