/**
 * PgBouncer's configuration as CloudNativePG runs it for a Pooler, in the parts that matter
 * for this path: `pool_mode` from `spec.pgbouncer.poolMode`, `spec.pgbouncer.parameters`
 * verbatim (CNPG's webhook allow-list enforced), and authentication through `auth_query` as
 * CNPG's own `cnpg_pooler_pgbouncer` user, so no password or SCRAM secret sits in a file.
 */
import { PGBOUNCER_ALLOWED_PARAMETERS } from '../../../src/config/cnpg';
import type { PoolerFacts } from './path-facts';

export const AUTH_USER = 'cnpg_pooler_pgbouncer';
/** CNPG's auth_query: a SECURITY DEFINER function that reads pg_shadow for PgBouncer. */
export const AUTH_QUERY = 'SELECT usename, passwd FROM public.user_search($1)';

export interface PgbouncerLayout {
  readonly listenAddr: string;
  readonly listenPort: number;
  /** PgBouncer's own socket: the admin console is reached there. */
  readonly socketDir: string;
  /** PostgreSQL's socket directory and port, where PgBouncer opens server connections. */
  readonly serverSocketDir: string;
  readonly serverPort: number;
  readonly logFile: string;
  readonly pidFile: string;
}

const POOL_MODES: ReadonlySet<string> = new Set(['session', 'transaction']);

export function pgbouncerIni(pooler: PoolerFacts, layout: PgbouncerLayout): string {
  if (!POOL_MODES.has(pooler.poolMode)) {
    throw new Error(`e2e fixture: Pooler ${pooler.name} has poolMode ${JSON.stringify(pooler.poolMode)}; CNPG allows session or transaction.`);
  }
  for (const [key, value] of Object.entries(pooler.parameters)) {
    if (!PGBOUNCER_ALLOWED_PARAMETERS.has(key)) {
      throw new Error(`e2e fixture: Pooler ${pooler.name} sets pgbouncer parameter "${key}", which CNPG's webhook rejects; remove it or use an allowed one.`);
    }
    if (/[\r\n]/.test(value)) {
      throw new Error(`e2e fixture: Pooler ${pooler.name} parameter "${key}" contains a line break: ${JSON.stringify(value)}.`);
    }
  }
  const settings: Record<string, string> = {
    listen_addr: layout.listenAddr,
    listen_port: String(layout.listenPort),
    unix_socket_dir: layout.socketDir,
    logfile: layout.logFile,
    pidfile: layout.pidFile,
    auth_type: 'scram-sha-256',
    auth_user: AUTH_USER,
    auth_query: AUTH_QUERY,
    pool_mode: pooler.poolMode,
    // Last, like CNPG's template: an allowed parameter (auth_type, say) wins over a default.
    ...pooler.parameters,
  };
  return [
    '[databases]',
    `* = host=${layout.serverSocketDir} port=${layout.serverPort}`,
    '',
    '[pgbouncer]',
    ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
    '',
  ].join('\n');
}
