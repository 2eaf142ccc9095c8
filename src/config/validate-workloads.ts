/**
 * Validation of the workload and database facts of the model: rollouts,
 * scheduling, grace periods, the `/tmp` size, and the Cluster's connection limits. Whether
 * they fit together (hosts, drains, PgBouncer) is the scheduling proof's (src/checks/scheduling).
 */
import { parseQuantity } from './syntax';
import type { EnvironmentConfig } from './types';

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
const isCount = (value: unknown, min = 0): value is number => Number.isInteger(value) && (value as number) >= min;

type Add = (path: string, message: string) => void;

/** A label key: an optional DNS-subdomain prefix and "/", then a name of up to 63 characters. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function validateWorkloads(env: EnvironmentConfig, add: Add): void {
  const { database, processor, xcresultProcessor } = env;
  if (!isCount(database.maxConnections, 1)) add('database.maxConnections', `${show(database.maxConnections)} must be the Cluster's max_connections, a whole number of at least 1.`);
  if (!isCount(database.reservedConnections)) {
    add('database.reservedConnections', `${show(database.reservedConnections)} must be a whole number of at least 0.`);
  } else if (isCount(database.maxConnections, 1) && database.reservedConnections >= database.maxConnections) {
    add('database.reservedConnections', `${database.reservedConnections} leaves none of max_connections ${database.maxConnections} to the poolers. Fix: reserve fewer, or record the Cluster's real max_connections.`);
  }

  const { rollout, scheduling } = processor;
  if (!isCount(rollout?.maxSurge) || !isCount(rollout?.maxUnavailable)) {
    add('processor.rollout', `${show(rollout)} needs maxSurge and maxUnavailable as whole numbers of at least 0.`);
  } else if (rollout.maxSurge === 0 && rollout.maxUnavailable === 0) {
    add('processor.rollout', 'maxSurge and maxUnavailable are both 0, so a rollout can never replace a Pod (Kubernetes refuses it). Fix: allow a surge or an unavailable Pod.');
  }
  if (!['ScheduleAnyway', 'DoNotSchedule'].includes(scheduling?.hostnameSpread)) {
    add('processor.scheduling.hostnameSpread', `${show(scheduling?.hostnameSpread)} is not "ScheduleAnyway" or "DoNotSchedule".`);
  }
  for (const [key, value] of Object.entries(scheduling?.nodeSelector ?? {})) {
    if (!LABEL_KEY.test(key) || typeof value !== 'string' || !LABEL_VALUE.test(value)) {
      add(`processor.scheduling.nodeSelector.${key}`, `${show(key)}: ${show(value)} is not a node label (a label key and a value of up to 63 letters, digits, "-", "_" or ".").`);
    }
  }
  for (const [path, seconds] of [['processor.terminationGracePeriodSeconds', processor.terminationGracePeriodSeconds], ['xcresultProcessor.terminationGracePeriodSeconds', xcresultProcessor.terminationGracePeriodSeconds]] as const) {
    if (!isCount(seconds)) add(path, `${show(seconds)} must be a whole number of seconds, at least 0.`);
  }
  if (typeof processor.tmpSizeLimit !== 'string' || parseQuantity(processor.tmpSizeLimit) === undefined) {
    add('processor.tmpSizeLimit', `${show(processor.tmpSizeLimit)} is not a quantity like "16Gi".`);
  }
}
