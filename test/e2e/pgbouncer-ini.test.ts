import { staging, synth } from '../fixtures';
import { type PoolerFacts, readPathFacts } from './support/path-facts';
import { pgbouncerIni } from './support/pgbouncer-ini';

const layout = {
  listenAddr: '10.213.0.1', listenPort: 5432, socketDir: '/run/pgb', serverSocketDir: '/run/pg', serverPort: 5433,
  logFile: '/run/pgb/pgbouncer.log', pidFile: '/run/pgb/pgbouncer.pid',
};
const pooler = readPathFacts(synth(staging)).pooler;
const withPooler = (change: Partial<PoolerFacts>): PoolerFacts => ({ ...pooler, ...change });

describe('pgbouncerIni', () => {
  test('runs the Pooler\'s pool mode and parameters, authenticating through auth_query', () => {
    expect(pgbouncerIni(pooler, layout)).toBe([
      '[databases]',
      '* = host=/run/pg port=5433',
      '',
      '[pgbouncer]',
      'listen_addr = 10.213.0.1',
      'listen_port = 5432',
      'unix_socket_dir = /run/pgb',
      'logfile = /run/pgb/pgbouncer.log',
      'pidfile = /run/pgb/pgbouncer.pid',
      'auth_type = scram-sha-256',
      'auth_user = cnpg_pooler_pgbouncer',
      'auth_query = SELECT usename, passwd FROM public.user_search($1)',
      'pool_mode = transaction',
      'default_pool_size = 20',
      'max_client_conn = 100',
      '',
    ].join('\n'));
  });

  test('lets an allowed parameter override a default, once', () => {
    const ini = pgbouncerIni(withPooler({ parameters: { auth_type: 'md5' } }), layout);
    expect(ini.match(/^auth_type = .*$/gm)).toEqual(['auth_type = md5']);
  });

  test('fails when a parameter is outside CNPG\'s allow-list', () => {
    expect(() => pgbouncerIni(withPooler({ parameters: { listen_port: '6432' } }), layout))
      .toThrow('e2e fixture: Pooler tuist-tuist-pg-pooler-rw sets pgbouncer parameter "listen_port", which CNPG\'s webhook rejects; remove it or use an allowed one.');
  });

  test('fails when a parameter value spans lines', () => {
    expect(() => pgbouncerIni(withPooler({ parameters: { verbose: '1\nlisten_port = 1' } }), layout)).toThrow(/parameter "verbose" contains a line break/);
  });

  test('fails when the pool mode is not one CNPG allows', () => {
    expect(() => pgbouncerIni(withPooler({ poolMode: 'statement' }), layout)).toThrow(/poolMode "statement"; CNPG allows session or transaction/);
  });
});
