/**
 * Facts of the CloudNativePG release the cluster runs that its CRD schema does not carry,
 * because CNPG enforces them in its admission webhook. Every CNPG rule the checks port comes
 * from this one release: to upgrade CNPG, change CNPG_RELEASE, compare the files below at the
 * new tag, update this file and src/checks/admission/cnpg-pooler-webhook.ts, replace the CRD
 * (docs/crds.md) and run `npm run import`.
 */
export const CNPG_RELEASE = {
  version: '1.30.0',
  tag: 'v1.30.0',
  commit: '4b5e244a7d031f67e025c83c1555e7726ecbbfa1',
  /** Where the ported rules live upstream (and their tests, which test/checks ports). */
  sources: ['internal/webhook/v1/pooler_webhook.go', 'internal/webhook/v1/pooler_webhook_test.go', 'api/v1/pooler_funcs.go'],
} as const;

/**
 * `AllowedPgbouncerGenericConfigurationParameters` of internal/webhook/v1/pooler_webhook.go at
 * CNPG_RELEASE, verbatim (`client_tls_ciphers`, `client_tls13_ciphers` and
 * `server_tls13_ciphers` are allowed since 1.29). Anything else, e.g. `pool_mode`, which the
 * operator sets itself, is refused.
 */
export const PGBOUNCER_ALLOWED_PARAMETERS: ReadonlySet<string> = new Set([
  'application_name_add_host', 'auth_type', 'autodb_idle_timeout', 'cancel_wait_timeout',
  'client_idle_timeout', 'client_login_timeout', 'client_tls_ciphers', 'client_tls_sslmode',
  'client_tls13_ciphers', 'default_pool_size', 'disable_pqexec', 'dns_max_ttl', 'dns_nxdomain_ttl',
  'idle_transaction_timeout', 'ignore_startup_parameters', 'listen_backlog', 'log_connections',
  'log_disconnections', 'log_pooler_errors', 'log_stats', 'max_client_conn', 'max_db_connections',
  'max_packet_size', 'max_prepared_statements', 'max_user_connections', 'min_pool_size', 'pkt_buf',
  'query_timeout', 'query_wait_timeout', 'reserve_pool_size', 'reserve_pool_timeout', 'sbuf_loopcnt',
  'server_check_delay', 'server_check_query', 'server_connect_timeout', 'server_fast_close',
  'server_idle_timeout', 'server_lifetime', 'server_login_retry', 'server_reset_query',
  'server_reset_query_always', 'server_round_robin', 'server_tls_ciphers', 'server_tls13_ciphers',
  'server_tls_protocols', 'server_tls_sslmode', 'stats_period', 'suspend_timeout', 'tcp_defer_accept',
  'tcp_socket_buffer', 'tcp_keepalive', 'tcp_keepcnt', 'tcp_keepidle', 'tcp_keepintvl',
  'tcp_user_timeout', 'track_extra_parameters', 'verbose',
]);

/** The port of the Service CNPG creates for a Pooler (named exactly like the Pooler). */
export const POOLER_SERVICE_PORT = 5432;
