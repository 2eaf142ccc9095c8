/**
 * The typed environment model: the only place environments differ.
 *
 * Every field is required; choices are modelled as discriminated unions (`enabled: false`)
 * rather than optional fields, so an environment file is a complete literal that reads
 * top to bottom, and constructs never branch on an environment's name.
 */
import type { ReceiverId } from './receivers';

/** Rollout stage. Drives the rules that differ by stage (tag pinning, pooler HA). */
export type Stage = 'staging' | 'canary' | 'production';

/**
 * A container (or Tart VM) image. `tag` is pinned: a CI build tag `sha-<hex>`, a semver
 * release, or an `sha256:` digest (src/config/syntax.ts, `isPinnedTag`).
 */
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

/** A PodDisruptionBudget, as the Helm chart writes it (`minAvailable`); `none` lets every drain through. */
export type PodDisruptionBudgetConfig =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly minAvailable: number };

/**
 * The Helm release whose objects this project adopts. Every object name derives from its
 * fullname (`<release>-<chart>`, the chart's `_helpers.tpl`) in src/config/names.ts, so the
 * first `pulumi up` updates the live objects instead of creating a second set beside them.
 */
export interface ReleaseConfig {
  readonly fullname: string;
}

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
  /** The database the processors use (the CNPG `Cluster`'s name derives from the release: names.ts). */
  readonly name: string;
  /** The role the processors log in as. */
  readonly processorRole: string;
  /** PostgreSQL `max_connections` of the CNPG Cluster (not ours: a fact of it, REFERENCE.md). */
  readonly maxConnections: number;
  /**
   * Connections the poolers must leave free: `superuser_reserved_connections` (PostgreSQL's
   * default 3) plus a margin of 10 for CNPG's instance manager, its metrics exporter and the
   * operator's own sessions (a margin, not a measured figure; WAL senders do not count against
   * `max_connections` since PostgreSQL 12). Other direct clients of the Cluster (the web
   * server) come on top and are the Cluster owner's to budget.
   */
  readonly reservedConnections: number;
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

/** The pooler's name (and its Service's) derives from the release: names.ts `objectNames`. */
export interface PoolerConfig {
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
 * The credential a Tart VM joins the tailnet with. The environment's Pulumi stack mints it,
 * tagged with the environment's VM tag only, and delivers it as the Secret the xcresult
 * Deployment reads (docs/vm-credentials.md).
 * - `oauth-client` (the default): an OAuth client with scope `auth_keys`, whose secret never
 *   expires; each VM mints its own ephemeral, pre-authorized key from it at boot.
 * - `auth-key`: a reusable pre-auth key, renewed by the scheduled workflow once it enters its
 *   renewal window (`rotateBeforeExpiryDays` before expiry at the latest).
 * Switching kinds is this one change: the old credential stays valid until the Deployment has
 * rolled onto the new one.
 */
export type VmCredentialConfig =
  | { readonly kind: 'oauth-client' }
  | {
    readonly kind: 'auth-key';
    /** Lifetime of each minted key (Tailscale allows at most 90 days). */
    readonly expiryDays: number;
    /** A key is renewed from this many days before its expiry on (earlier when minted late in a window). */
    readonly rotateBeforeExpiryDays: number;
  };

/** What `TUIST_MODE` may be; the server refuses anything else at boot (tuist/tuist `config/runtime.exs`). */
export type TuistMode = 'web' | 'processor' | 'xcresult_processor';

/** Secrets the cluster provides (not rendered here); their names derive from the release (names.ts `clusterSecretName`). */
export type ClusterSecretId = 'serverConfig' | 'serverSecrets' | 'objectStorage' | 'clickhouse';

/** Where one environment variable's value comes from. */
export type EnvSource =
  | { readonly kind: 'literal'; readonly value: string }
  /** A key of a Secret the cluster provides. */
  | { readonly kind: 'secret'; readonly secret: ClusterSecretId; readonly key: string }
  /**
   * A key of a Secret the cluster provides that holds a URL to one of the cluster's receivers:
   * its host is not in the manifest, so the configuration declares where it points, and the
   * reachability proof says ASSUMED for it.
   */
  | { readonly kind: 'secret-endpoint'; readonly secret: ClusterSecretId; readonly key: string; readonly receiver: ReceiverId }
  /** A receiver's address, rendered for the process's network: in-cluster for Linux pods, tailnet for VMs. */
  | { readonly kind: 'endpoint'; readonly receiver: ReceiverId; readonly scheme: 'http' | 'oci'; readonly path: string }
  /** The Downward API. */
  | { readonly kind: 'pod-field'; readonly fieldPath: 'metadata.name' };

/** Variable name → source. */
export type EnvGroup = Readonly<Record<string, EnvSource>>;

/**
 * A process's environment, grouped by purpose as REFERENCE.md's table is. The constructs add
 * what other blocks decide (the database URL, `TUIST_DATABASE_POOLED`, the tailnet join).
 */
export interface RuntimeEnvironment {
  /** `TUIST_MODE`. */
  readonly mode: TuistMode;
  readonly queue: EnvGroup;
  /** Beyond `DATABASE_URL` and `TUIST_DATABASE_POOLED`: e.g. `TUIST_DATABASE_POOL_SIZE`, `TUIST_DATABASE_SCHEMA`. */
  readonly database: EnvGroup;
  readonly licenseAndKeys: EnvGroup;
  readonly objectStorage: EnvGroup;
  readonly telemetry: EnvGroup;
  /** Secrets whose every key becomes a variable (`envFrom`). */
  readonly envFrom: readonly ClusterSecretId[];
}

export interface XcresultRuntimeEnvironment extends RuntimeEnvironment {
  readonly clickhouse: EnvGroup;
}

/** A RollingUpdate's bounds, in pods. */
export interface RollingUpdateConfig {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/** Where the Linux processor's pods land. */
export interface LinuxSchedulingConfig {
  /** Node labels a node must carry (empty: any Linux node). */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The hostname topology spread: `DoNotSchedule` keeps replicas on distinct nodes or Pending. */
  readonly hostnameSpread: 'ScheduleAnyway' | 'DoNotSchedule';
}

export interface LinuxProcessorConfig {
  readonly image: ImageRef;
  readonly replicas: number;
  readonly resources: Resources;
  readonly rollout: RollingUpdateConfig;
  readonly scheduling: LinuxSchedulingConfig;
  readonly podDisruptionBudget: PodDisruptionBudgetConfig;
  /** Jobs in flight finish before the pod is killed (the longest job plus a margin). */
  readonly terminationGracePeriodSeconds: number;
  /** Size limit of the `/tmp` emptyDir (the root filesystem is read-only). */
  readonly tmpSizeLimit: string;
  readonly runtime: RuntimeEnvironment;
}

/** The Mac mini fleet the VMs run on (its name, the `tuist.dev/fleet` node label, derives from the release). */
export interface FleetConfig {
  /** Mac mini hosts in the fleet: at most one VM per host (hostPort 9091). */
  readonly hosts: number;
}

/** Which of the processor Secret's URL keys a Deployment reads `DATABASE_URL` from. */
export type DatabaseUrlKey = 'processor-database-url' | 'xcresult-processor-database-url';

export interface XcresultProcessorConfig {
  /** The Tart VM image (one Pod is one VM). */
  readonly image: ImageRef;
  readonly replicas: number;
  readonly resources: Resources;
  readonly fleet: FleetConfig;
  /** Both never run more VMs than hosts: `no-surge` is RollingUpdate with maxSurge 0. */
  readonly rollout: 'no-surge' | 'recreate';
  readonly databaseUrlSecretKey: DatabaseUrlKey;
  /** Join the tailnet from inside the VM (injects the credential and hostname). */
  readonly tailnetJoin: boolean;
  readonly podDisruptionBudget: PodDisruptionBudgetConfig;
  /** A VM drains its queue and leaves the tailnet before it is stopped. */
  readonly terminationGracePeriodSeconds: number;
  readonly runtime: XcresultRuntimeEnvironment;
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
  readonly release: ReleaseConfig;
  readonly tailnet: TailnetIdentity;
  readonly database: DatabaseConfig;
  readonly pooler: PoolerConfig;
  readonly processorSecrets: ProcessorSecretsConfig;
  readonly vmCredential: VmCredentialConfig;
  readonly processor: LinuxProcessorConfig;
  readonly xcresultProcessor: XcresultProcessorConfig;
  readonly policy: PolicyConfig;
}
