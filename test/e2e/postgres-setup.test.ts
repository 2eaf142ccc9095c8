import { pgHba, setupSql, transactionSql, writtenBySql } from './support/postgres-setup';
import { E2E_PASSWORD } from './support/vm-urls';

const url = { host: 'tuist-pg-pooler-staging', port: 5432, database: 'tuist', role: 'tuist_processor' };

describe('pgHba', () => {
  test('lets the role in only through PgBouncer\'s socket (SCRAM) and directly from the VM (SCRAM)', () => {
    const rules = pgHba(url, '10.213.0.2').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rules).toEqual([
      'local all postgres trust',
      'local "tuist" "cnpg_pooler_pgbouncer" trust',
      'local "tuist" "tuist_processor" scram-sha-256',
      'host "tuist" "tuist_processor" 10.213.0.2/32 scram-sha-256',
    ]);
  });
});

describe('setupSql', () => {
  test('reads the password from its file, so the script never holds it', () => {
    const sql = setupSql(url, '/tmp/e2e/password');
    expect(sql).toContain("\\set password `cat '/tmp/e2e/password'`\nCREATE ROLE \"tuist_processor\" LOGIN PASSWORD :'password';");
    expect(sql).not.toContain(E2E_PASSWORD);
    expect(sql).toContain('GRANT EXECUTE ON FUNCTION public.user_search(text) TO "cnpg_pooler_pgbouncer";');
  });

  test('quotes identifiers and the file path', () => {
    const sql = setupSql({ ...url, role: 'we"ird', database: 'd b' }, "/tmp/it's/password");
    expect(sql).toContain('CREATE ROLE "we""ird" LOGIN');
    expect(sql).toContain('CREATE DATABASE "d b" OWNER "we""ird";');
    expect(sql).toContain("`cat '/tmp/it'\\''s/password'`");
  });
});

describe('transactionSql and writtenBySql', () => {
  test('write and read back one row per run, one statement per line, with the label quoted', () => {
    expect(transactionSql("e2e-'x")).toBe([
      'BEGIN',
      "INSERT INTO public.e2e_probe (run) VALUES ('e2e-''x')",
      "SELECT count(*) FROM public.e2e_probe WHERE run = 'e2e-''x'",
      'COMMIT',
      '',
    ].join('\n'));
    expect(writtenBySql('e2e-staging')).toContain("WHERE run = 'e2e-staging'");
  });
});
