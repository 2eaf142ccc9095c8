/**
 * Writes everything the end-to-end harness (test/e2e/run.sh) derives from the synthesized
 * objects of one environment into a directory: facts (no secrets), the VM's database URLs,
 * PgBouncer's and PostgreSQL's configuration, and the fake tailnet's status documents.
 *
 *   node fixture.js --out DIR --cluster-addr A --vm-addr B --wrong-addr C \
 *     --pg-port P --pg-socket-dir S --pgbouncer-dir D [--environment staging]
 *
 * Secrets (the password and the URLs holding it) are written 0600 and never printed.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findEnvironment, loadModel } from '../../../src/config';
import { objectNames } from '../../../src/config/names';
import { synthesizeEnvironment } from '../../../src/synth/manifests';
import { readPathFacts } from './path-facts';
import { pgbouncerIni } from './pgbouncer-ini';
import { pgHba, setupSql, transactionSql, writtenBySql } from './postgres-setup';
import { type TailnetNode, needsLoginStatus, runningStatus } from './tailscale-status';
import { E2E_PASSWORD, vmUrls } from './vm-urls';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function options(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      environment: { type: 'string', default: 'staging' },
      out: { type: 'string' },
      'cluster-addr': { type: 'string' },
      'vm-addr': { type: 'string' },
      'wrong-addr': { type: 'string' },
      'pg-port': { type: 'string' },
      'pg-socket-dir': { type: 'string' },
      'pgbouncer-dir': { type: 'string' },
    },
    strict: true,
  });
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (value === undefined || value === '') throw new Error(`e2e fixture: --${name} is required (usage: see test/e2e/support/fixture.ts).`);
    return value;
  };
  const address = (name: 'cluster-addr' | 'vm-addr' | 'wrong-addr'): string => {
    const value = required(name);
    const octets = IPV4.exec(value)?.slice(1).map(Number);
    if (!octets || octets.some((o) => o > 255)) throw new Error(`e2e fixture: --${name} ${JSON.stringify(value)} is not an IPv4 address.`);
    return value;
  };
  const port = Number(required('pg-port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`e2e fixture: --pg-port ${JSON.stringify(values['pg-port'])} is not a TCP port.`);
  return {
    environment: values.environment!,
    out: required('out'),
    clusterAddr: address('cluster-addr'),
    vmAddr: address('vm-addr'),
    wrongAddr: address('wrong-addr'),
    pgPort: port,
    pgSocketDir: required('pg-socket-dir'),
    pgbouncerDir: required('pgbouncer-dir'),
  };
}

export function main(argv: readonly string[]): number {
  const opts = options(argv);
  const model = loadModel();
  const facts = readPathFacts(synthesizeEnvironment(findEnvironment(model, opts.environment)));
  const urls = vmUrls(facts, E2E_PASSWORD, `${opts.clusterAddr}:${opts.pgPort}`);
  const run = `e2e-${facts.environment}`;
  const vmHostname = `${objectNames(findEnvironment(model, opts.environment)).xcresultProcessorDeployment}-e2e`;

  // Another environment's pooler on the same tailnet view: the VM must not pin it.
  const decoy = model.environments
    .filter((env) => env.name !== facts.environment && env.pooler.tailnetExposure.enabled)
    .map((env) => readPathFacts(synthesizeEnvironment(env)).pooler)[0];

  const write = (name: string, content: string, secret = false): void => {
    const path = join(opts.out, name);
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
    chmodSync(path, secret ? 0o600 : 0o644);
  };
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

  write('facts.json', json({
    environment: facts.environment,
    pooler: facts.pooler,
    // The VM's own tag is not on the pinning path; it comes from the environment's config.
    vm: { ...facts.vm, hostname: vmHostname, tags: findEnvironment(model, opts.environment).tailnet.vmTag },
    url: urls.parts,
    decoyHostname: decoy?.hostname ?? null,
    run,
  }));
  write('password', E2E_PASSWORD, true);
  write('database-url', urls.pooled, true);
  write('database-url-without-replace', urls.withoutReplace, true);
  write('database-url-direct', urls.direct, true);

  write('pgbouncer.ini', pgbouncerIni(facts.pooler, {
    listenAddr: opts.clusterAddr,
    listenPort: urls.parts.port,
    socketDir: opts.pgbouncerDir,
    serverSocketDir: opts.pgSocketDir,
    serverPort: opts.pgPort,
    logFile: join(opts.pgbouncerDir, 'pgbouncer.log'),
    pidFile: join(opts.pgbouncerDir, 'pgbouncer.pid'),
  }));
  write('pg_hba.conf', pgHba(urls.parts, opts.vmAddr));
  write('setup.sql', setupSql(urls.parts, join(opts.out, 'password')));
  write('transaction.sql', transactionSql(run));
  write('written-by.sql', writtenBySql(run));

  const self: TailnetNode = { hostName: vmHostname, ipv4: opts.vmAddr, tags: [] };
  const pooler = (ipv4: string): TailnetNode => ({ hostName: facts.pooler.hostname, ipv4, tags: facts.pooler.tags });
  // An impostor with the pooler's HostName and tags, outside the tailnet's MagicDNS suffix: the
  // VM must never pin it (vm/README.md, "Pinning").
  const impostor: TailnetNode = {
    hostName: facts.pooler.hostname, ipv4: opts.wrongAddr, tags: facts.pooler.tags, dnsName: `${facts.pooler.hostname}.attacker.example.`,
  };
  const others: TailnetNode[] = [impostor, ...(decoy ? [{ hostName: decoy.hostname, ipv4: opts.wrongAddr, tags: decoy.tags }] : [])];
  mkdirSync(join(opts.out, 'tailnet'), { recursive: true });
  write('tailnet/needs-login.json', json(needsLoginStatus(vmHostname)));
  write('tailnet/running.json', json(runningStatus(self, [pooler(opts.clusterAddr), ...others])));
  write('tailnet/wrong-address.json', json(runningStatus(self, [pooler(opts.wrongAddr), ...others])));
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
