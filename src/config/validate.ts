/**
 * Validation of the environment configurations. It collects every problem at once (what,
 * where, the value, what is allowed, the fix) so one run shows everything to mend.
 */
import { PGBOUNCER_ALLOWED_PARAMETERS } from './cnpg';
import { DATABASE_URL_KEYS, objectNames } from './names';
import { policyPortProblems } from './policy-ports';
import {
  DNS_LABEL_RULE, IMAGE_TAG_RULE, PINNED_TAG_RULE, TAILSCALE_TAG_RULE, isDnsLabel, isImageTagSyntax, isPinnedTag,
  isTailscaleTag, parseQuantity,
} from './syntax';
import { REGISTRY_FILE } from './registry';
import { validateStructures } from './structure';
import type { TailnetConfig } from './tailnets';
import { validateRuntime } from './validate-runtime';
import { validateWorkloads } from './validate-workloads';
import type { EnvironmentConfig, ImageRef, RemoteRef, Resources } from './types';

export interface ConfigProblem {
  readonly environment: string;
  /** Field path inside the environment's configuration, e.g. `pooler.tailnetExposure.hostname`. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  if (problem.environment === REGISTRY) return `${REGISTRY_FILE}, ${problem.path}: ${problem.message}`;
  return `environment "${problem.environment}", ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`;
}

/** `ConfigProblem.environment` of a problem with the registry itself (empty, duplicate names). */
export const REGISTRY = '';

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

  // Names: every object name derives from the release's fullname (names.ts).
  if (!isDnsLabel(env.release?.fullname)) {
    c.add('release.fullname', `${show(env.release?.fullname)} is not ${DNS_LABEL_RULE}; it is the Helm release's fullname every object name starts with.`);
  } else {
    for (const [what, name] of Object.entries(objectNames(env))) {
      if (!isDnsLabel(name)) c.add('release.fullname', `${show(env.release.fullname)} makes the ${what} name ${show(name)}, which is not ${DNS_LABEL_RULE}. Fix: shorten the fullname.`);
    }
  }

  // Database and pooler.
  if (!/^[a-z_][a-z0-9_]*$/.test(env.database.name)) c.add('database.name', `${show(env.database.name)} is not a plain PostgreSQL identifier (lowercase letters, digits, "_").`);
  if (!/^[a-z_][a-z0-9_]*$/.test(env.database.processorRole)) c.add('database.processorRole', `${show(env.database.processorRole)} is not a plain PostgreSQL identifier (lowercase letters, digits, "_").`);
  const { pooler } = env;
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
  checkRemoteRef(c, 'processorSecrets.databasePassword', env.processorSecrets.databasePassword);
  const credential = env.vmCredential;
  if (credential.kind === 'auth-key') {
    if (!Number.isInteger(credential.expiryDays) || credential.expiryDays < 1 || credential.expiryDays > MAX_AUTH_KEY_EXPIRY_DAYS) {
      c.add('vmCredential.expiryDays', `${show(credential.expiryDays)} must be a whole number of days from 1 to ${MAX_AUTH_KEY_EXPIRY_DAYS}.`);
    }
    if (!Number.isInteger(credential.rotateBeforeExpiryDays) || credential.rotateBeforeExpiryDays < 1 || credential.rotateBeforeExpiryDays >= credential.expiryDays) {
      c.add('vmCredential.rotateBeforeExpiryDays', `${show(credential.rotateBeforeExpiryDays)} must be at least 1 and less than expiryDays (${show(credential.expiryDays)}), so a key is replaced long before it expires.`);
    }
  }

  // Workloads.
  checkImage(c, 'processor.image', env.processor.image);
  checkReplicas(c, 'processor.replicas', env.processor.replicas);
  checkResources(c, 'processor.resources', env.processor.resources);
  checkPdb(c, 'processor.podDisruptionBudget', env.processor.podDisruptionBudget);
  const xc = env.xcresultProcessor;
  checkImage(c, 'xcresultProcessor.image', xc.image);
  checkReplicas(c, 'xcresultProcessor.replicas', xc.replicas);
  checkResources(c, 'xcresultProcessor.resources', xc.resources);
  checkPdb(c, 'xcresultProcessor.podDisruptionBudget', xc.podDisruptionBudget);
  if (!Number.isInteger(xc.fleet?.hosts) || xc.fleet.hosts < 1) c.add('xcresultProcessor.fleet.hosts', `${show(xc.fleet?.hosts)} must be a whole number of Mac mini hosts, at least 1.`);
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

  validateRuntime(env, (path, message) => c.add(path, message));
  validateWorkloads(env, (path, message) => c.add(path, message));

  for (const problem of policyPortProblems(env)) c.add(problem.path, problem.message);
  return c.problems;
}

/**
 * Validates every environment: its shape (the schema derived from `EnvironmentConfig`), then
 * its rules, then what must hold across them. An environment with a structural problem gets
 * no semantic check (it may lack the very block a rule reads).
 */
export function validateEnvironments(envs: readonly EnvironmentConfig[], tailnets: readonly TailnetConfig[]): ConfigProblem[] {
  if (envs.length === 0) {
    return [{ environment: REGISTRY, path: 'ENVIRONMENTS', message: 'is empty: there is no environment to synthesize, and writing dist/ would delete every manifest. Fix: list at least one environment (`npm run new-environment -- <name> --from <existing>` scaffolds one).' }];
  }
  const problems: ConfigProblem[] = [];
  const wellFormed: EnvironmentConfig[] = [];
  const structures = validateStructures(envs);
  envs.forEach((env: unknown, i) => {
    const name = (env as { name?: unknown } | undefined)?.name;
    const label = typeof name === 'string' && name !== '' ? name : `ENVIRONMENTS[${i}]`;
    const structural = structures[i]!;
    problems.push(...structural.map((p) => ({ environment: label, ...p })));
    if (structural.length === 0) wellFormed.push(env as EnvironmentConfig);
  });
  const entries = new Map<string, number[]>();
  envs.forEach((env, i) => { if (typeof env?.name === 'string') entries.set(env.name, [...(entries.get(env.name) ?? []), i]); });
  const duplicated = new Set<string>();
  for (const [name, indexes] of entries) {
    if (indexes.length < 2) continue;
    duplicated.add(name);
    problems.push({ environment: REGISTRY, path: 'ENVIRONMENTS', message: `${indexes.length} environments are named ${show(name)} (${indexes.map((i) => `ENVIRONMENTS[${i}]`).join(' and ')}); each environment needs a name of its own, in its own file src/config/environments/<name>.ts. Fix: rename the copy (\`npm run new-environment\` renames every identifier), or remove the duplicate entry.` });
  }
  const unique = wellFormed.filter((env) => !duplicated.has(env.name));
  problems.push(...unique.flatMap((env) => validateEnvironment(env, tailnets)));
  const owners = new Map<string, string>();
  // Keyed by kind and value, so a namespace and a hostname may be spelled alike.
  const claim = (env: EnvironmentConfig, path: string, kind: string, value: string): void => {
    const owner = owners.get(`${kind}\0${value}`);
    if (owner !== undefined && owner !== env.name) {
      problems.push({ environment: env.name, path, message: `${show(value)} is already used by environment "${owner}"; environments never share names, namespaces, tags or hostnames.` });
    }
    owners.set(`${kind}\0${value}`, env.name);
  };
  for (const env of unique) {
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

/** Vault items are named alike in every environment: each environment has its own vault behind the store. */
function checkRemoteRef(c: Collector, path: string, ref: RemoteRef): void {
  if (!ref.key || !ref.property) c.add(path, `needs both key and property; got ${show(ref)}.`);
}

function checkImage(c: Collector, path: string, image: ImageRef): void {
  if (!image.repository || /[\s:@]/.test(image.repository.replace(/^[^/]+:\d+\//, ''))) {
    c.add(`${path}.repository`, `${show(image.repository)} is not an image repository (no tag or digest in it).`);
  }
  if (!isImageTagSyntax(image.tag)) {
    c.add(`${path}.tag`, `${show(image.tag)} is not an image tag: ${IMAGE_TAG_RULE}.`);
  } else if (!isPinnedTag(image.tag)) {
    c.add(`${path}.tag`, `${show(image.tag)} is a floating tag: the registry can move it to another build, so a synth would not say what runs. Allowed: ${PINNED_TAG_RULE}. Fix: run \`npm run set-image\` with the build's tag.`);
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
  // Whether it lets a drain through depends on the replicas: the scheduling proof (checks/scheduling) judges that.
  if (pdb.enabled && (!Number.isInteger(pdb.minAvailable) || pdb.minAvailable < 0)) {
    c.add(`${path}.minAvailable`, `${show(pdb.minAvailable)} must be a whole number of at least 0.`);
  }
}
