/**
 * Names of the processes' environment variables that cross layers: the constructs set them,
 * the checks and the path diagrams read them, the VM's boot scripts (vm/) read the tailnet
 * ones. Written once, here. Variables only the configuration mentions (a group's entries in
 * src/config/environments/*.ts) are not repeated here.
 */
export const ENV_VARS = {
  /** `web`, `processor` or `xcresult_processor`; anything else fails at boot. */
  mode: 'TUIST_MODE',
  databaseUrl: 'DATABASE_URL',
  /** `1`: unnamed prepared statements, which PgBouncer's transaction mode needs. */
  databasePooled: 'TUIST_DATABASE_POOLED',
  /** Connections each process keeps open (the server's default: 10). */
  databasePoolSize: 'TUIST_DATABASE_POOL_SIZE',
  podName: 'POD_NAME',
  tailscaleAuthKey: 'TAILSCALE_AUTH_KEY',
  tailscaleTags: 'TAILSCALE_TAGS',
  tailscaleHostname: 'TAILSCALE_HOSTNAME',
  /** The tags of the tailnet peers the VM pins into /etc/hosts (vm/tailscale-up.sh). */
  tailscalePeerTags: 'TAILSCALE_PEER_TAGS',
  /** `<hostname>=<tag>,…`: each name pinned only from the peer whose MagicDNS name it is, carrying that tag. */
  tailscalePinHosts: 'TAILSCALE_PIN_HOSTS',
  /** The release artifact the VM fetches at boot (vm/fetch-release.sh). */
  xcresultRelease: 'TUIST_XCRESULT_PROCESSOR_RELEASE',
} as const;

/** The server's default `TUIST_DATABASE_POOL_SIZE` (tuist/tuist `config/runtime.exs`; self-host docs). */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

/** Variables the constructs derive from other blocks; a runtime group may not set them (the pool size and the release are set there). */
const CONFIGURED: ReadonlySet<string> = new Set([ENV_VARS.databasePoolSize, ENV_VARS.xcresultRelease]);
export const DERIVED_ENV_VARS: ReadonlySet<string> = new Set(Object.values(ENV_VARS).filter((name) => !CONFIGURED.has(name)));
