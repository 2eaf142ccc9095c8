/**
 * Every name derived from an environment, in one place. Constructs, checks, the policy and
 * the Pulumi program call these; none of them spells a derived name itself. Object names
 * follow the Helm chart's (`infra/helm/tuist/templates/_helpers.tpl` @01546e6e in
 * tuist/tuist), so our objects are the release's objects, adopted (docs/runbooks/helm-takeover.md).
 */
import { POOLER_SERVICE_PORT } from './cnpg';
import { tailnetReceivers } from './receivers';
import type { ClusterSecretId, DatabaseUrlKey, EnvironmentConfig } from './types';

/**
 * Node labels and taint of the Mac minis tart-kubelet registers: the xcresult Deployment
 * selects and tolerates them, the scaffold tells people to label their hosts so.
 */
export const TART_NODE = {
  os: { key: 'kubernetes.io/os', value: 'darwin' },
  runtime: { key: 'tuist.dev/runtime', value: 'tart' },
  fleetKey: 'tuist.dev/fleet',
  taintKey: 'tuist.dev/macos',
} as const;

/** `app.kubernetes.io/part-of` of everything we render. */
export const PART_OF = 'tuist';

/** Label carrying the environment name on every object. */
export const ENVIRONMENT_LABEL = 'tuist.dev/environment';

/** The processor Secret's URL keys: in-cluster host for Linux pods, tailnet host for VMs. */
export const DATABASE_URL_KEYS: { readonly cluster: DatabaseUrlKey; readonly tailnet: DatabaseUrlKey } = {
  cluster: 'processor-database-url',
  tailnet: 'xcresult-processor-database-url',
};

/** Key of the password inside the processor ExternalSecret's `data`. */
export const DATABASE_PASSWORD_KEY = 'password';

/** Key of the VM credential inside the macOS-fleet Secret. */
export const VM_CREDENTIAL_KEY = 'auth-key';

export const COMPONENTS = {
  pooler: 'pg-pooler',
  processor: 'processor',
  xcresultProcessor: 'xcresult-processor',
  processorSecrets: 'processor-secrets',
  vmCredential: 'macos-fleet-tailscale',
} as const;
export type Component = (typeof COMPONENTS)[keyof typeof COMPONENTS];

/** The names of an environment's objects (and of the objects ours point at), all from the release's fullname. */
export interface ObjectNames {
  /** The CNPG `Cluster` the pooler fronts (not ours; Services `-rw`/`-ro`). */
  readonly databaseCluster: string;
  /** The Pooler, and the Service CNPG creates for it (never the Cluster's name). */
  readonly pooler: string;
  /** The processor ExternalSecret and the Secret it writes (both database URLs). */
  readonly processorSecret: string;
  /** The macOS fleet's tailnet credential: ExternalSecret (or Pulumi) and its Secret. */
  readonly vmCredentialSecret: string;
  readonly processorDeployment: string;
  readonly xcresultProcessorDeployment: string;
  /** The Mac mini fleet: the `tuist.dev/fleet` node label tart-kubelet registers. */
  readonly fleet: string;
}

export function objectNames(env: EnvironmentConfig): ObjectNames {
  const prefix = env.release.fullname;
  return {
    databaseCluster: `${prefix}-pg`,
    pooler: `${prefix}-pg-pooler-rw`,
    processorSecret: `${prefix}-processor-external-secrets`,
    vmCredentialSecret: `${prefix}-capi-scaleway-applesilicon-tailscale`,
    processorDeployment: `${prefix}-processor`,
    xcresultProcessorDeployment: `${prefix}-xcresult-processor`,
    fleet: `${prefix}-macos-fleet`,
  };
}

/**
 * The Secrets the cluster provides, which the processes read but this project does not render
 * (docs/kubernetes.md, "Expected to exist"). The server config and ClickHouse names are the
 * chart's (REFERENCE.md); UNCONFIRMED: the server secrets' and object storage's.
 */
const CLUSTER_SECRET_SUFFIXES: Readonly<Record<ClusterSecretId, string>> = {
  serverConfig: 'server-config-external-secrets',
  serverSecrets: 'server-external-secrets',
  objectStorage: 'object-storage-external-secrets',
  clickhouse: 'clickhouse-credentials',
};

export function clusterSecretName(env: EnvironmentConfig, id: ClusterSecretId): string {
  return `${env.release.fullname}-${CLUSTER_SECRET_SUFFIXES[id]}`;
}

/**
 * The tags of every tailnet peer the VMs dial (the pooler's proxy and the receivers' proxies):
 * what the VM pins into /etc/hosts (`TAILSCALE_PEER_TAGS`).
 */
export function vmPeerTags(env: EnvironmentConfig): string[] {
  const pooler = env.pooler.tailnetExposure.enabled ? env.pooler.tailnetExposure.tags : [];
  return [...new Set([...pooler, ...tailnetReceivers(env).flatMap((r) => r.tags)])];
}

/** In-cluster DNS name of the Service CNPG creates for the pooler. */
export function poolerServiceHost(env: EnvironmentConfig): string {
  return `${objectNames(env).pooler}.${env.namespace}.svc`;
}

export { POOLER_SERVICE_PORT };

/**
 * The processors' PromEx metrics port: declared by the Deployments, scraped by Prometheus
 * (in the VMs over the tailnet) and opened to the cluster tag by the tailnet policy.
 */
export const METRICS_PORT = 9091;

/**
 * The selector labels of a component: stable across construct renames and moves, because a
 * Deployment's `spec.selector` is immutable.
 */
export function selectorLabels(env: EnvironmentConfig, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/instance': `${component}-${env.name}`,
  };
}

/** Every label of a component's objects and pods. */
export function componentLabels(env: EnvironmentConfig, component: Component): Record<string, string> {
  return {
    ...selectorLabels(env, component),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    [ENVIRONMENT_LABEL]: env.name,
  };
}

/** `repository:tag`, or `repository@sha256:…` for a digest. */
export function imageReference(image: { readonly repository: string; readonly tag: string }): string {
  return image.tag.startsWith('sha256:') ? `${image.repository}@${image.tag}` : `${image.repository}:${image.tag}`;
}

/** Tags the environment's VM credential (auth key or OAuth client) mints nodes with. */
export function vmCredentialTags(env: EnvironmentConfig): readonly string[] {
  return [env.tailnet.vmTag];
}

/** What an environment-owned identifier is. */
export type IdentifierKind = 'tag' | 'tailnet hostname' | 'namespace' | 'vault item' | 'environment name';

/**
 * Every identifier an environment owns, by what it is: the identifiers no other environment's
 * objects or resources may carry (the reference deployment's canary proxy carried production's tag).
 * Vault items are not among them: each environment has its own vault behind the same store
 * name, so the items are named alike everywhere (REFERENCE.md, "Secrets").
 */
export function environmentIdentifiers(env: EnvironmentConfig): ReadonlyMap<string, IdentifierKind> {
  const owned = new Map<string, IdentifierKind>();
  const { tailnet, pooler } = env;
  for (const tag of [tailnet.operatorTag, tailnet.clusterTag, tailnet.vmTag, ...vmCredentialTags(env)]) owned.set(tag, 'tag');
  if (pooler.tailnetExposure.enabled) {
    for (const tag of pooler.tailnetExposure.tags) owned.set(tag, 'tag');
    owned.set(pooler.tailnetExposure.hostname, 'tailnet hostname');
  }
  for (const receiver of tailnetReceivers(env)) owned.set(receiver.hostname, 'tailnet hostname');
  owned.set(env.namespace, 'namespace');
  owned.set(env.name, 'environment name');
  return owned;
}
