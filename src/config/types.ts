/**
 * The typed environment model: the only place environments differ.
 *
 * Every field is required; choices are modelled as discriminated unions (`enabled: false`)
 * rather than optional fields, so an environment file is a complete literal that reads
 * top to bottom, and constructs never branch on an environment's name.
 */

/** Rollout stage. Drives the rules that differ by stage (tag pinning, pooler HA). */
export type Stage = 'staging' | 'canary' | 'production';

/** A container (or Tart VM) image. `tag` is a version tag or an `sha256:` digest. */
export interface ImageRef {
  readonly repository: string;
  readonly tag: string;
}

export interface ResourceQuantities {
  readonly cpu: string;
  readonly memory: string;
}

export interface Resources {
  readonly requests: ResourceQuantities;
  readonly limits: ResourceQuantities;
}

export type PodDisruptionBudgetConfig =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly maxUnavailable: number };

/** Where External Secrets Operator reads remote values from. */
export interface SecretStoreRef {
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  readonly name: string;
}

/** One value in the vault: an item and a field of it. */
export interface RemoteRef {
  readonly key: string;
  readonly property: string;
}

/** The tailnet identity of an environment: which tailnet, and the tags its parts carry. */
export interface TailnetIdentity {
  /** The tailnet this environment lives on (a key of the tailnet registry). */
  readonly tailnet: string;
  /**
   * Tag the environment's Tailscale Kubernetes operator joins as; it owns the tags it gives
   * proxies (the pooler's). In reality it is the cluster tag (the operator, its default proxies,
   * the subnet-router Connector and the egress ProxyGroup all join as `tag:tuist-k8s-<env>`).
   */
  readonly operatorTag: string;
  /** Tag of the operator's default proxies and the subnet router (`tag:tuist-k8s-<env>`). */
  readonly clusterTag: string;
  /** Tag of the Mac minis and their Tart VMs (`tag:tuist-macmini-<env>`). */
  readonly vmTag: string;
}

export interface DatabaseConfig {
  /** The CNPG `Cluster` the pooler fronts; it lives in the environment's namespace. */
  readonly clusterName: string;
  readonly name: string;
  /** The role the processors log in as. */
  readonly processorRole: string;
}

export type PoolMode = 'session' | 'transaction';

export type TailnetExposure =
  | { readonly enabled: false }
  | {
    readonly enabled: true;
    /** The pooler proxy's MagicDNS name: one DNS label, at most 63 characters. */
    readonly hostname: string;
    /**
     * Tags the operator gives the proxy: the pooler's own tag (`tag:tuist-pg-pooler-<env>`),
     * owned by `operatorTag`, reachable by the VMs on the pooler port only. The operator applies
     * tags only when it first creates a proxy (docs/runbooks/retag-pooler-proxy.md).
     */
    readonly tags: readonly string[];
  };

export interface PoolerConfig {
  /** Name of the Pooler and of the Service CNPG creates for it; never the cluster's name. */
  readonly name: string;
  readonly instances: number;
  readonly poolMode: PoolMode;
  /** PgBouncer parameters; CNPG wants string values and allow-listed keys only. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly tailnetExposure: TailnetExposure;
}

export interface ProcessorSecretsConfig {
  readonly store: SecretStoreRef;
  readonly refreshInterval: string;
  /** The `tuist_processor` role password. */
  readonly databasePassword: RemoteRef;
}

/**
 * The credential a Tart VM joins the tailnet with. Either synced from the vault by an
 * ExternalSecret (as the reference deployment did), or minted and delivered by the
 * environment's Pulumi stack.
 */
export type VmCredentialConfig =
  | {
    readonly delivery: 'external-secret';
    readonly kind: 'auth-key' | 'oauth-client';
    readonly store: SecretStoreRef;
    readonly remoteRef: RemoteRef;
    readonly refreshInterval: string;
  }
  | {
    readonly delivery: 'pulumi';
    readonly kind: 'auth-key';
    /** Lifetime of each minted key. */
    readonly expiryDays: number;
    /** Any `pulumi up` this close to expiry (or closer) mints a replacement. */
    readonly rotateBeforeExpiryDays: number;
  }
  | { readonly delivery: 'pulumi'; readonly kind: 'oauth-client' };

export interface LinuxProcessorConfig {
  readonly image: ImageRef;
  readonly replicas: number;
  readonly resources: Resources;
  readonly podDisruptionBudget: PodDisruptionBudgetConfig;
}

/** Which of the processor Secret's URL keys a Deployment reads `DATABASE_URL` from. */
export type DatabaseUrlKey = 'processor-database-url' | 'xcresult-processor-database-url';

export interface XcresultProcessorConfig {
  /** The Tart VM image (one Pod is one VM). */
  readonly image: ImageRef;
  readonly replicas: number;
  readonly resources: Resources;
  /** Mac mini fleet the VMs are scheduled on (`tuist.dev/fleet` node label). */
  readonly fleet: string;
  /** Both never run more VMs than hosts: `no-surge` is RollingUpdate with maxSurge 0. */
  readonly rollout: 'no-surge' | 'recreate';
  readonly databaseUrlSecretKey: DatabaseUrlKey;
  /** Join the tailnet from inside the VM (injects the credential and hostname). */
  readonly tailnetJoin: boolean;
  readonly podDisruptionBudget: PodDisruptionBudgetConfig;
}

/** One port a machine path of the policy opens, and why it is open. */
export interface PolicyPort {
  readonly proto: 'tcp' | 'udp';
  readonly port: number;
  /** What listens there, in a few words (shown in the rendered policy and the matrix). */
  readonly purpose: string;
}

/**
 * The machine paths of the environment's policy fragment (people's access is people-owned and
 * not here). The pooler port is not listed: it is opened from the VMs to the pooler proxy's own
 * tags (`pooler.tailnetExposure.tags`) when the pooler is exposed.
 */
export interface PolicyConfig {
  /** Ports the VMs dial on the cluster tag (telemetry, registry, analytics). */
  readonly vmToCluster: readonly PolicyPort[];
  /** Ports the cluster dials on the Mac mini hosts and the VMs (SSH, metrics). */
  readonly clusterToVm: readonly PolicyPort[];
}

export interface EnvironmentConfig {
  /** Environment name: a DNS label, the suffix of every tag and hostname it owns. */
  readonly name: string;
  readonly stage: Stage;
  readonly namespace: string;
  readonly tailnet: TailnetIdentity;
  readonly database: DatabaseConfig;
  readonly pooler: PoolerConfig;
  readonly processorSecrets: ProcessorSecretsConfig;
  readonly vmCredential: VmCredentialConfig;
  readonly processor: LinuxProcessorConfig;
  readonly xcresultProcessor: XcresultProcessorConfig;
  readonly policy: PolicyConfig;
}
