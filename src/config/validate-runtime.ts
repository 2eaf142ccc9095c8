/**
 * Validation of the processes' runtime environment (`processor.runtime`,
 * `xcresultProcessor.runtime`): every group the process needs is there, the mode is one the
 * server accepts, variable names are well-formed and set once, nothing the constructs derive
 * is set by hand, and no literal holds a credential.
 */
import { isSecretKeyName, secretValueKind } from '../secrets/secret-looking';
import { DERIVED_ENV_VARS } from './env-vars';
import { RECEIVERS, RECEIVER_IDS } from './receivers';
import type { ClusterSecretId, EnvGroup, EnvironmentConfig, TuistMode } from './types';

export const TUIST_MODES: readonly TuistMode[] = ['web', 'processor', 'xcresult_processor'];

/** The groups each process cannot boot without (REFERENCE.md, "The processes' environment"). */
export const REQUIRED_GROUPS = {
  processor: ['queue', 'database', 'licenseAndKeys', 'objectStorage', 'telemetry'],
  xcresultProcessor: ['queue', 'database', 'licenseAndKeys', 'objectStorage', 'clickhouse', 'telemetry'],
} as const;

/** Groups that may be empty: the constructs already set the database URL and pooled mode. */
const MAY_BE_EMPTY: ReadonlySet<string> = new Set(['database']);

const EXPECTED_MODE: Readonly<Record<keyof typeof REQUIRED_GROUPS, TuistMode>> = { processor: 'processor', xcresultProcessor: 'xcresult_processor' };

const CLUSTER_SECRETS: readonly ClusterSecretId[] = ['serverConfig', 'serverSecrets', 'objectStorage', 'clickhouse'];

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

type Add = (path: string, message: string) => void;

export function validateRuntime(env: EnvironmentConfig, add: Add): void {
  for (const process of ['processor', 'xcresultProcessor'] as const) {
    const base = `${process}.runtime`;
    const runtime = env[process]?.runtime as unknown as Record<string, unknown> | undefined;
    if (runtime === undefined || runtime === null || typeof runtime !== 'object') {
      add(base, `is missing; the ${process} needs its runtime environment (groups ${REQUIRED_GROUPS[process].join(', ')}). Fix: add it as the other environments do.`);
      continue;
    }
    const mode = runtime.mode;
    if (!TUIST_MODES.includes(mode as TuistMode)) {
      add(`${base}.mode`, `${show(mode)} is not a TUIST_MODE the server accepts (${TUIST_MODES.join(', ')}); anything else fails at boot.`);
    } else if (mode !== EXPECTED_MODE[process]) {
      add(`${base}.mode`, `${show(mode)} runs the wrong process in the ${process} Deployment. Fix: use "${EXPECTED_MODE[process]}".`);
    }
    const seen = new Map<string, string>();
    for (const group of REQUIRED_GROUPS[process]) {
      const entries = runtime[group] as EnvGroup | undefined;
      const path = `${base}.${group}`;
      if (entries === undefined || entries === null || typeof entries !== 'object') {
        add(path, `the ${group} group is missing; the ${process} fails at boot without it (REFERENCE.md, "The processes' environment"). Fix: declare it.`);
        continue;
      }
      if (Object.keys(entries).length === 0 && !MAY_BE_EMPTY.has(group)) {
        add(path, `the ${group} group is empty; the ${process} fails at boot without it. Fix: declare its variables.`);
      }
      for (const [name, source] of Object.entries(entries)) {
        const where = `${path}.${name}`;
        if (!ENV_NAME.test(name)) add(where, `${show(name)} is not an environment variable name (capital letters, digits and "_").`);
        if (DERIVED_ENV_VARS.has(name)) add(where, `is set by the constructs from other blocks (database, tailnet); setting it here would set it twice. Fix: remove it.`);
        const other = seen.get(name);
        if (other !== undefined) add(where, `is also set in ${other}; Kubernetes keeps the last silently. Fix: set it once.`);
        seen.set(name, path);
        checkSource(where, source, process, add);
      }
    }
    const envFrom = runtime.envFrom;
    if (!Array.isArray(envFrom)) add(`${base}.envFrom`, `${show(envFrom)} must be a list of the cluster's Secrets (${CLUSTER_SECRETS.join(', ')}).`);
    else envFrom.forEach((id, i) => { if (!CLUSTER_SECRETS.includes(id)) add(`${base}.envFrom[${i}]`, `${show(id)} is not a Secret the cluster provides; use one of ${CLUSTER_SECRETS.join(', ')}.`); });
  }
}

function checkSource(where: string, source: EnvGroup[string], process: 'processor' | 'xcresultProcessor', add: Add): void {
  switch (source?.kind) {
    case 'literal':
      if (typeof source.value !== 'string') add(where, `literal ${show(source.value)} must be a string (Kubernetes env values are strings).`);
      // The value is never repeated: it may be a real credential.
      else if (secretValueKind(source.value) !== undefined || isSecretKeyName(where.slice(where.lastIndexOf('.') + 1))) {
        add(where, 'is a literal credential; literals end up in dist/, the Pulumi state and `kubectl describe`. Fix: read it from a key of a Secret the cluster provides ({ kind: \'secret\' }).');
      }
      return;
    case 'secret':
    case 'secret-endpoint':
      if (!CLUSTER_SECRETS.includes(source.secret)) add(`${where}.secret`, `${show(source.secret)} is not a Secret the cluster provides; use one of ${CLUSTER_SECRETS.join(', ')}.`);
      if (typeof source.key !== 'string' || source.key === '') add(`${where}.key`, 'names no key of the Secret.');
      if (source.kind === 'secret-endpoint') checkReceiver(where, source.receiver, add);
      return;
    case 'endpoint':
      if (checkReceiver(where, source.receiver, add) && process === 'processor' && RECEIVERS[source.receiver].clusterHost === undefined) {
        add(`${where}.receiver`, `the ${source.receiver} receiver has no in-cluster address for the Linux processor to dial (src/config/receivers.ts). Fix: declare its clusterHost.`);
      }
      if (source.path !== '' && !source.path.startsWith('/')) add(`${where}.path`, `${show(source.path)} must be empty or start with "/".`);
      return;
    case 'pod-field':
      return;
    default:
      add(where, `${show(source)} is not a source; use kind literal, secret, secret-endpoint, endpoint or pod-field.`);
  }
}

function checkReceiver(where: string, receiver: unknown, add: Add): boolean {
  if (RECEIVER_IDS.includes(receiver as never)) return true;
  add(`${where}.receiver`, `${show(receiver)} is not a receiver of the cluster; use one of ${RECEIVER_IDS.join(', ')} (src/config/receivers.ts).`);
  return false;
}
