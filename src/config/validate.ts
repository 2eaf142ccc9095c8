/**
 * Validation of the environment configurations. It collects every problem at once (what,
 * where, the value, what is allowed, the fix) so one run shows everything to mend.
 */
import { PGBOUNCER_ALLOWED_PARAMETERS } from './cnpg';
import { DATABASE_URL_KEYS } from './names';
import { policyPortProblems } from './policy-ports';
import {
  DNS_LABEL_RULE, IMAGE_TAG_RULE, TAILSCALE_TAG_RULE, isDigest, isDnsLabel, isFloatingTag, isImageTagSyntax, isSemver,
  isTailscaleTag, parseQuantity,
} from './syntax';
import type { TailnetConfig } from './tailnets';
import type { EnvironmentConfig, ImageRef, RemoteRef, Resources, Stage } from './types';

export interface ConfigProblem {
  readonly environment: string;
  /** Field path inside the environment's configuration, e.g. `pooler.tailnetExposure.hostname`. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return `environment "${problem.environment}", ${problem.path}: ${problem.message}`;
}

/** Stages whose images must be pinned to a release (semver) or an immutable digest. */
const RELEASE_STAGES: ReadonlySet<Stage> = new Set(['canary', 'production']);
/** Minimum PgBouncer instances in production: one pod is a single point of failure. */
export const PRODUCTION_MIN_POOLER_INSTANCES = 2;
/** Longest auth-key lifetime Tailscale allows. */
export const MAX_AUTH_KEY_EXPIRY_DAYS = 90;

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

class Collector {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly environment: string) {}
  add(path: string, message: string): void {
    this.problems.push({ environment: this.environment, path, message });
  }
}

/** Validates one environment on its own. */
export function validateEnvironment(env: EnvironmentConfig, tailnets: readonly TailnetConfig[]): ConfigProblem[] {
  const c = new Collector(typeof env.name === 'string' && env.name !== '' ? env.name : '<unnamed>');
  const suffix = `-${env.name}`;

  if (!isDnsLabel(env.name)) c.add('name', `${show(env.name)} is not ${DNS_LABEL_RULE}.`);
  if (!['staging', 'canary', 'production'].includes(env.stage)) {
    c.add('stage', `${show(env.stage)} is not a stage; use "staging", "canary" or "production".`);
  }
  if (!isDnsLabel(env.namespace)) c.add('namespace', `${show(env.namespace)} is not ${DNS_LABEL_RULE}.`);

  // Tailnet identity: tags are well-formed and carry this environment's suffix.
  const { tailnet } = env;
  if (!tailnets.some((t) => t.name === tailnet.tailnet)) {
    c.add('tailnet.tailnet', `${show(tailnet.tailnet)} is not a declared tailnet; declared: ${tailnets.map((t) => t.name).join(', ')}. Fix: add it to src/config/tailnets.ts or use a declared one.`);
  }
  for (const field of ['operatorTag', 'clusterTag', 'vmTag'] as const) {
    checkOwnTag(c, `tailnet.${field}`, tailnet[field], suffix);
  }
  // The operator may join as the cluster tag (it does in reality); the VMs never share either.
  if (tailnet.vmTag === tailnet.clusterTag || tailnet.vmTag === tailnet.operatorTag) {
    c.add('tailnet.vmTag', `${show(tailnet.vmTag)} is also the cluster's or the operator's tag; the VMs carry a tag of their own.`);
  }

  // Database and pooler.
  checkName(c, 'database.clusterName', env.database.clusterName);
  if (!/^[a-z_][a-z0-9_]*$/.test(env.database.name)) c.add('database.name', `${show(env.database.name)} is not a plain PostgreSQL identifier (lowercase letters, digits, "_").`);
  if (!/^[a-z_][a-z0-9_]*$/.test(env.database.processorRole)) c.add('database.processorRole', `${show(env.database.processorRole)} is not a plain PostgreSQL identifier (lowercase letters, digits, "_").`);
  const { pooler } = env;
  checkName(c, 'pooler.name', pooler.name);
  if (pooler.name === env.database.clusterName) {
    c.add('pooler.name', `${show(pooler.name)} equals database.clusterName; CNPG rejects a Pooler named like a Cluster in its namespace. Fix: name it e.g. "${pooler.name}-rw".`);
  }
  if (!Number.isInteger(pooler.instances) || pooler.instances < 1) {
    c.add('pooler.instances', `${show(pooler.instances)} must be a whole number of at least 1.`);
  } else if (env.stage === 'production' && pooler.instances < PRODUCTION_MIN_POOLER_INSTANCES) {
    c.add('pooler.instances', `${pooler.instances} PgBouncer instance(s) in production; production runs at least ${PRODUCTION_MIN_POOLER_INSTANCES} so one pod is never a single point of failure.`);
  }
  if (!['session', 'transaction'].includes(pooler.poolMode)) {
    c.add('pooler.poolMode', `${show(pooler.poolMode)} is not a pool mode; use "transaction" (or "session").`);
  }
  for (const [key, value] of Object.entries(pooler.parameters ?? {})) {
    if (!PGBOUNCER_ALLOWED_PARAMETERS.has(key)) {
      c.add(`pooler.parameters.${key}`, `"${key}" is not on CNPG's PgBouncer allow-list, so the webhook rejects the Pooler. Fix: remove it (see src/config/cnpg.ts for the list).`);
    }
    if (typeof value !== 'string') {
      c.add(`pooler.parameters.${key}`, `value ${show(value)} is a ${typeof value}; CNPG wants strings. Fix: write ${show(String(value))}.`);
    }
  }
  const exposure = pooler.tailnetExposure;
  if (exposure.enabled) {
    if (!isDnsLabel(exposure.hostname)) {
      c.add('pooler.tailnetExposure.hostname', `${show(exposure.hostname)} is not ${DNS_LABEL_RULE}.`);
    } else if (!exposure.hostname.endsWith(suffix)) {
      c.add('pooler.tailnetExposure.hostname', `${show(exposure.hostname)} does not belong to environment "${env.name}"; its tailnet names end in "${suffix}".`);
    }
    if (exposure.tags.length === 0) c.add('pooler.tailnetExposure.tags', `is empty; the proxy needs a tag of its own (e.g. "tag:tuist-pg-pooler${suffix}").`);
    exposure.tags.forEach((tag, i) => {
      const path = `pooler.tailnetExposure.tags[${i}]`;
      if (checkOwnTag(c, path, tag, suffix) && [tailnet.clusterTag, tailnet.operatorTag, tailnet.vmTag].includes(tag)) {
        c.add(path, `${show(tag)} is the environment's cluster, operator or VM tag; the pooler proxy gets a tag of its own (owned by the operator's tag) so that it is reachable only on the pooler port and has no SSH into the VMs. Fix: use e.g. "tag:tuist-pg-pooler${suffix}".`);
      }
    });
  }

  // Secrets.
  checkName(c, 'processorSecrets.store.name', env.processorSecrets.store.name);
  checkRemoteRef(c, 'processorSecrets.databasePassword', env.processorSecrets.databasePassword, env.name);
  const credential = env.vmCredential;
  if (credential.delivery === 'external-secret') {
    checkName(c, 'vmCredential.store.name', credential.store.name);
    checkRemoteRef(c, 'vmCredential.remoteRef', credential.remoteRef, env.name);
  } else if (credential.kind === 'auth-key') {
    if (!Number.isInteger(credential.expiryDays) || credential.expiryDays < 1 || credential.expiryDays > MAX_AUTH_KEY_EXPIRY_DAYS) {
      c.add('vmCredential.expiryDays', `${show(credential.expiryDays)} must be a whole number of days from 1 to ${MAX_AUTH_KEY_EXPIRY_DAYS}.`);
    }
    if (!Number.isInteger(credential.rotateBeforeExpiryDays) || credential.rotateBeforeExpiryDays < 1 || credential.rotateBeforeExpiryDays >= credential.expiryDays) {
      c.add('vmCredential.rotateBeforeExpiryDays', `${show(credential.rotateBeforeExpiryDays)} must be at least 1 and less than expiryDays (${show(credential.expiryDays)}), so a key is replaced long before it expires.`);
    }
  }

  // Workloads.
  checkImage(c, 'processor.image', env.processor.image, env.stage);
  checkReplicas(c, 'processor.replicas', env.processor.replicas);
  checkResources(c, 'processor.resources', env.processor.resources);
  checkPdb(c, 'processor.podDisruptionBudget', env.processor.podDisruptionBudget);
  const xc = env.xcresultProcessor;
  checkImage(c, 'xcresultProcessor.image', xc.image, env.stage);
  checkReplicas(c, 'xcresultProcessor.replicas', xc.replicas);
  checkResources(c, 'xcresultProcessor.resources', xc.resources);
  checkPdb(c, 'xcresultProcessor.podDisruptionBudget', xc.podDisruptionBudget);
  if (!isDnsLabel(xc.fleet)) c.add('xcresultProcessor.fleet', `${show(xc.fleet)} is not ${DNS_LABEL_RULE}.`);
  if (!['no-surge', 'recreate'].includes(xc.rollout)) c.add('xcresultProcessor.rollout', `${show(xc.rollout)} is not a rollout; use "no-surge" or "recreate" (a VM per host never surges).`);
  const urlKeys = Object.values(DATABASE_URL_KEYS);
  if (!urlKeys.includes(xc.databaseUrlSecretKey)) {
    c.add('xcresultProcessor.databaseUrlSecretKey', `${show(xc.databaseUrlSecretKey)} is not a key of the processor Secret; use one of ${urlKeys.join(', ')}.`);
  } else if (xc.databaseUrlSecretKey === DATABASE_URL_KEYS.tailnet && !exposure.enabled) {
    c.add('xcresultProcessor.databaseUrlSecretKey', `"${DATABASE_URL_KEYS.tailnet}" is only rendered when the pooler is exposed on the tailnet, and pooler.tailnetExposure.enabled is false. Fix: enable the exposure or use "${DATABASE_URL_KEYS.cluster}".`);
  }
  if (xc.tailnetJoin && !exposure.enabled) {
    c.add('xcresultProcessor.tailnetJoin', 'is true but the pooler is not exposed on the tailnet, so the VMs would join and reach nothing. Fix: enable pooler.tailnetExposure.');
  }
  if (!xc.tailnetJoin && exposure.enabled && xc.databaseUrlSecretKey === DATABASE_URL_KEYS.tailnet) {
    c.add('xcresultProcessor.tailnetJoin', `is false, but databaseUrlSecretKey "${DATABASE_URL_KEYS.tailnet}" points the VMs at the pooler's tailnet hostname, which a VM off the tailnet cannot reach. Fix: set tailnetJoin to true.`);
  }
  if (xc.tailnetJoin && exposure.enabled && xc.databaseUrlSecretKey !== DATABASE_URL_KEYS.tailnet) {
    c.add('xcresultProcessor.databaseUrlSecretKey', `${show(xc.databaseUrlSecretKey)} points the VMs at the in-cluster Service, which they cannot reach. Fix: use "${DATABASE_URL_KEYS.tailnet}".`);
  }

  for (const problem of policyPortProblems(env)) c.add(problem.path, problem.message);
  return c.problems;
}

/** Validates every environment, then what must hold across them. */
export function validateEnvironments(envs: readonly EnvironmentConfig[], tailnets: readonly TailnetConfig[]): ConfigProblem[] {
  const problems = envs.flatMap((env) => validateEnvironment(env, tailnets));
  const owners = new Map<string, string>();
  // Keyed by kind and value, so a namespace and a hostname may be spelled alike.
  const claim = (env: EnvironmentConfig, path: string, kind: string, value: string): void => {
    const owner = owners.get(`${kind}\0${value}`);
    if (owner !== undefined && owner !== env.name) {
      problems.push({ environment: env.name, path, message: `${show(value)} is already used by environment "${owner}"; environments never share names, namespaces, tags or hostnames.` });
    }
    owners.set(`${kind}\0${value}`, env.name);
  };
  for (const env of envs) {
    claim(env, 'name', 'name', env.name);
    claim(env, 'namespace', 'namespace', env.namespace);
    claim(env, 'tailnet.clusterTag', 'tag', env.tailnet.clusterTag);
    claim(env, 'tailnet.vmTag', 'tag', env.tailnet.vmTag);
    claim(env, 'tailnet.operatorTag', 'tag', env.tailnet.operatorTag);
    if (env.pooler.tailnetExposure.enabled) {
      claim(env, 'pooler.tailnetExposure.hostname', 'hostname', env.pooler.tailnetExposure.hostname);
      // A tag of another environment is already reported by validateEnvironment.
      env.pooler.tailnetExposure.tags.forEach((tag, i) => { if (tag.endsWith(`-${env.name}`)) claim(env, `pooler.tailnetExposure.tags[${i}]`, 'tag', tag); });
    }
  }
  return problems;
}

function checkName(c: Collector, path: string, value: string): void {
  if (!isDnsLabel(value)) c.add(path, `${show(value)} is not ${DNS_LABEL_RULE}.`);
}

/** True when the tag is well-formed and this environment's. */
function checkOwnTag(c: Collector, path: string, tag: string, suffix: string): boolean {
  if (!isTailscaleTag(tag)) {
    c.add(path, `${show(tag)} is not a Tailscale tag: ${TAILSCALE_TAG_RULE}.`);
    return false;
  }
  if (!tag.endsWith(suffix)) {
    c.add(path, `${show(tag)} belongs to another environment; this environment's tags end in "${suffix}".`);
    return false;
  }
  return true;
}

function checkRemoteRef(c: Collector, path: string, ref: RemoteRef, envName: string): void {
  if (!ref.key || !ref.property) c.add(path, `needs both key and property; got ${show(ref)}.`);
  // The name as a whole segment, so "tuist-env-001-postgres" belongs to "env-001".
  else if (!new RegExp(`(^|[^a-z0-9])${envName.replace(/[^a-z0-9]/g, '\\$&')}([^a-z0-9]|$)`).test(ref.key)) {
    c.add(`${path}.key`, `vault item ${show(ref.key)} does not name environment "${envName}"; each environment reads only its own items (e.g. "tuist-${envName}-postgres").`);
  }
}

function checkImage(c: Collector, path: string, image: ImageRef, stage: Stage): void {
  if (!image.repository || /[\s:@]/.test(image.repository.replace(/^[^/]+:\d+\//, ''))) {
    c.add(`${path}.repository`, `${show(image.repository)} is not an image repository (no tag or digest in it).`);
  }
  if (!isFloatingTag(image.tag) && !isImageTagSyntax(image.tag)) {
    c.add(`${path}.tag`, `${show(image.tag)} is not an image tag: ${IMAGE_TAG_RULE}.`);
  } else if (isFloatingTag(image.tag)) {
    c.add(`${path}.tag`, `${show(image.tag)} is a floating tag; pin a version or a digest so every synth renders what runs.`);
  } else if (RELEASE_STAGES.has(stage) && !isSemver(image.tag) && !isDigest(image.tag)) {
    c.add(`${path}.tag`, `${show(image.tag)} is neither a semver release nor an sha256 digest, which ${stage} requires. Fix: run \`npm run set-image\` with a released version.`);
  }
}

function checkReplicas(c: Collector, path: string, replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 0) c.add(path, `${show(replicas)} must be a whole number of at least 0.`);
}

function checkResources(c: Collector, path: string, resources: Resources): void {
  for (const resource of ['cpu', 'memory'] as const) {
    const request = parseQuantity(resources.requests[resource]);
    const limit = parseQuantity(resources.limits[resource]);
    if (request === undefined) c.add(`${path}.requests.${resource}`, `${show(resources.requests[resource])} is not a quantity like "500m" or "2Gi".`);
    if (limit === undefined) c.add(`${path}.limits.${resource}`, `${show(resources.limits[resource])} is not a quantity like "500m" or "2Gi".`);
    if (request !== undefined && limit !== undefined && request > limit) {
      c.add(`${path}.requests.${resource}`, `request ${resources.requests[resource]} exceeds limit ${resources.limits[resource]}.`);
    }
  }
}

function checkPdb(c: Collector, path: string, pdb: EnvironmentConfig['processor']['podDisruptionBudget']): void {
  if (pdb.enabled && (!Number.isInteger(pdb.maxUnavailable) || pdb.maxUnavailable < 1)) {
    c.add(`${path}.maxUnavailable`, `${show(pdb.maxUnavailable)} must be a whole number of at least 1 (0 blocks every node drain).`);
  }
}
