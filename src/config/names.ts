/**
 * Every name derived from an environment, in one place. Constructs, checks, the policy and
 * the Pulumi program call these; none of them spells a derived name itself.
 */
import { POOLER_SERVICE_PORT } from './cnpg';
import type { DatabaseUrlKey, EnvironmentConfig } from './types';

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

/** Object names inside an environment's namespace (namespaces keep environments apart). */
export const OBJECT_NAMES = {
  processorSecret: 'tuist-processor-database',
  vmCredentialSecret: 'tuist-macos-fleet-tailscale',
  processorDeployment: 'tuist-processor',
  xcresultProcessorDeployment: 'tuist-xcresult-processor',
} as const;

/** In-cluster DNS name of the Service CNPG creates for the pooler. */
export function poolerServiceHost(env: EnvironmentConfig): string {
  return `${env.pooler.name}.${env.namespace}.svc`;
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
 */
export function environmentIdentifiers(env: EnvironmentConfig): ReadonlyMap<string, IdentifierKind> {
  const owned = new Map<string, IdentifierKind>();
  const { tailnet, pooler, processorSecrets } = env;
  for (const tag of [tailnet.operatorTag, tailnet.clusterTag, tailnet.vmTag, ...vmCredentialTags(env)]) owned.set(tag, 'tag');
  if (pooler.tailnetExposure.enabled) {
    for (const tag of pooler.tailnetExposure.tags) owned.set(tag, 'tag');
    owned.set(pooler.tailnetExposure.hostname, 'tailnet hostname');
  }
  owned.set(env.namespace, 'namespace');
  owned.set(processorSecrets.databasePassword.key, 'vault item');
  owned.set(env.name, 'environment name');
  return owned;
}
