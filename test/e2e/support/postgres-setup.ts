/**
 * The PostgreSQL side of the path: who may connect from where (pg_hba.conf) and the objects
 * the pooler and the processor need (roles, database, CNPG's auth_query function, a table the
 * test writes to). Names come from the rendered URL, so a URL naming another role or database
 * fails the test.
 */
import { AUTH_USER } from './pgbouncer-ini';
import type { UrlParts } from './vm-urls';

/** Table the VM's transaction writes into; its defaults record who wrote from where. */
export const PROBE_TABLE = 'public.e2e_probe';

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export function pgHba(url: UrlParts, vmAddress: string): string {
  return [
    '# Superuser: only through the socket directory, which only the postgres user (and root) can enter.',
    'local all postgres trust',
    '# PgBouncer\'s auth_query user (CNPG authenticates it with a client certificate).',
    `local ${ident(url.database)} ${ident(AUTH_USER)} trust`,
    '# The processor through PgBouncer, which replays the client\'s SCRAM proof.',
    `local ${ident(url.database)} ${ident(url.role)} scram-sha-256`,
    '# The processor straight from the VM: the baseline the connection timing compares against.',
    `host ${ident(url.database)} ${ident(url.role)} ${vmAddress}/32 scram-sha-256`,
    '',
  ].join('\n');
}

/** psql script, run as the superuser; the password is read from `passwordFile`, never written here. */
export function setupSql(url: UrlParts, passwordFile: string): string {
  const role = ident(url.role);
  return [
    '\\set ON_ERROR_STOP on',
    `\\set password \`cat ${shellQuote(passwordFile)}\``,
    `CREATE ROLE ${role} LOGIN PASSWORD :'password';`,
    '\\unset password',
    `CREATE DATABASE ${ident(url.database)} OWNER ${role};`,
    `\\connect ${ident(url.database)}`,
    `CREATE ROLE ${ident(AUTH_USER)} LOGIN;`,
    'CREATE FUNCTION public.user_search(uname text) RETURNS TABLE (usename name, passwd text)',
    '  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog',
    '  AS $$ SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = uname $$;',
    'REVOKE ALL ON FUNCTION public.user_search(text) FROM PUBLIC;',
    `GRANT EXECUTE ON FUNCTION public.user_search(text) TO ${ident(AUTH_USER)};`,
    `CREATE TABLE ${PROBE_TABLE} (`,
    '  run text NOT NULL,',
    '  username name NOT NULL DEFAULT current_user,',
    '  client_addr inet DEFAULT inet_client_addr(),',
    '  backend_pid integer NOT NULL DEFAULT pg_backend_pid()',
    ');',
    `GRANT INSERT, SELECT ON ${PROBE_TABLE} TO ${role};`,
    '',
  ].join('\n');
}

/**
 * The VM's transaction, one statement per line (the probe sends each on its own, so the
 * transaction spans several round trips through the pooler). The row's defaults record the
 * server-side view: the role, and the client address (none when PgBouncer's socket connection
 * carried it).
 */
export function transactionSql(run: string): string {
  const label = `'${run.replace(/'/g, "''")}'`;
  return [
    'BEGIN',
    `INSERT INTO ${PROBE_TABLE} (run) VALUES (${label})`,
    `SELECT count(*) FROM ${PROBE_TABLE} WHERE run = ${label}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Superuser query: who wrote the run's rows, and from which address ("socket" for none). */
export function writtenBySql(run: string): string {
  return `SELECT username, coalesce(host(client_addr), 'socket') FROM ${PROBE_TABLE} WHERE run = '${run.replace(/'/g, "''")}' ORDER BY 1, 2`;
}
