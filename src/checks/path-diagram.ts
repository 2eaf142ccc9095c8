/**
 * `dist/<env>/path.md`: a Mermaid diagram (GitHub renders it) of the path the checks prove,
 * VM tag → grant → proxy hostname → pooler Service → cluster, each edge marked with the
 * result of the check that proves it, and the checks' own words below. Drawn from the
 * rendered objects, like the checks; `npm run synth` writes it only when every check passes.
 */
import { ENV_VARS } from '../config/env-vars';
import { POOLER_SERVICE_PORT, objectNames } from '../config/names';
import { generatedHeader } from '../synth/render';
import { field } from './manifest/objects';
import { poolerOf } from './manifest/pooler';
import { envSecretRef, isBroken } from './manifest/secret-reference';
import { proveVmEndpoints } from './path/vm-endpoints';
import { PATH_CHECKS } from './registry';
import { type CheckRun, runCheckList } from './run';
import type { CheckResult, CheckStatus, CheckedEnvironment, PathInput } from './types';

/** `dist/` path of an environment's diagram. */
export function pathDiagramFile(environment: string): string {
  return `${environment}/path.md`;
}

const MARKS: Readonly<Record<CheckStatus, string>> = { pass: '✓', fail: '✗ FAILED', skip: '? not checked', assumed: '~ assumed' };

/** Text inside a quoted Mermaid label. */
const label = (...lines: string[]): string => `"${lines.map((l) => l.replace(/"/g, '#quot;')).join('<br/>')}"`;
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function diagram({ environment, objects }: CheckedEnvironment, results: readonly CheckResult[], input: PathInput): string {
  const mark = (check: string): string => MARKS[results.find((r) => r.check === check)?.status ?? 'skip'];
  const pooler = poolerOf(environment, objects);
  const found = typeof pooler === 'string' ? undefined : pooler;
  const url = envSecretRef(objects, objectNames(environment).xcresultProcessorDeployment, ENV_VARS.databaseUrl);
  const credential = envSecretRef(objects, objectNames(environment).xcresultProcessorDeployment, ENV_VARS.tailscaleAuthKey);
  const ref = (source: typeof url): string[] => (isBroken(source) ? ['(no Secret reference)'] : [`Secret ${source.ref.name}`, `key ${source.ref.key}`]);
  const instances = found === undefined ? '?' : String(field(found.object, 'spec', 'instances') ?? '?');
  const poolMode = found === undefined ? '?' : String(field(found.object, 'spec', 'pgbouncer', 'poolMode') ?? '?');
  const type = found === undefined ? '?' : String(field(found.object, 'spec', 'type') ?? '?');
  // The VM's other endpoints (the database's goes to the proxy above), each with its own proof.
  const proofs = proveVmEndpoints({ environment, objects, input });
  const receivers = (typeof proofs === 'string' ? [] : proofs).filter((p) => p.peer === undefined || p.peer.hostname !== found?.hostname);
  const receiverLines = receivers.flatMap((p, i) => {
    const status = p.problem !== undefined ? MARKS.fail : p.declared ? MARKS.assumed : MARKS.pass;
    return [
      `  receiver${i}[${label(p.peer?.what ?? 'unknown peer', `${p.endpoint.host}:${p.endpoint.port}`, (p.peer?.tags ?? []).join(',') || '(no tags)')}]`,
      `  vm ==>|${label(`${p.endpoint.variable} ${status}`, `grant tcp:${p.endpoint.port}`)}| receiver${i}`,
    ];
  });
  return [
    '```mermaid',
    'flowchart LR',
    `  credential[${label(...ref(credential))}]`,
    `  secret[${label(...ref(url))}]`,
    `  vm[${label(`xcresult VM (Deployment ${objectNames(environment).xcresultProcessorDeployment})`, environment.tailnet.vmTag)}]`,
    `  proxy[${label('tailnet proxy', found?.hostname ?? '(no hostname)', (found?.tags ?? []).join(',') || '(no tags)')}]`,
    `  service[${label(`Service ${found?.name ?? '?'}`, `${found?.namespace ?? '?'}, port ${POOLER_SERVICE_PORT}`)}]`,
    `  pooler[${label(`Pooler ${found?.name ?? '?'}`, `PgBouncer ×${instances}, ${poolMode}`)}]`,
    `  cluster[${label(`Cluster ${found?.clusterName ?? '?'}`)}]`,
    `  linux[${label(`Linux processor (Deployment ${objectNames(environment).processorDeployment})`, 'pod network')}]`,
    `  credential -->|${label(`TAILSCALE_AUTH_KEY ${mark('path.tailscale-auth-key')}`, `tagged ${environment.tailnet.vmTag} ${mark('path.vm-credential-tags')}`)}| vm`,
    `  secret -->|${label(`DATABASE_URL ${mark('path.database-url-key')}`)}| vm`,
    `  vm ==>|${label(`URL host and port ${mark('path.database-url-host')}`, `grant tcp:${POOLER_SERVICE_PORT} ${mark('path.policy-grant')}`)}| proxy`,
    `  proxy -->|${label(`exposed, cluster tag ${mark('path.pooler-exposure')}`)}| service`,
    `  linux -->|${label(`in-cluster URL ${mark('path.linux-database-url')}`)}| service`,
    '  service --> pooler',
    `  pooler -->|${label(`type ${type}`)}| cluster`,
    ...receiverLines,
    '```',
  ].join('\n');
}

function document(env: CheckedEnvironment, results: readonly CheckResult[], input: PathInput): string {
  const name = env.environment.name;
  return [
    generatedHeader(`src/config/environments/${name}.ts`, '<!--').replace(/\n$/, ' -->\n'),
    `# ${name}: the paths from the VMs to the database and the cluster's receivers`,
    '',
    `Each edge is marked with the result of the check that proves it (✓ proven, ~ assumed outside this repository); \`npm run check\` runs them.`,
    '',
    diagram(env, results, input),
    '',
    '| check | result | what it found |',
    '| --- | --- | --- |',
    ...results.map((r) => `| \`${r.check}\` | ${r.status.toUpperCase()} | ${cell(r.message)} |`),
    '',
  ].join('\n');
}

/**
 * The diagram of every environment, keyed by `dist/` path, from the path checks' results
 * (run here unless the caller already has them). Pure: the path checks read no files.
 */
export function renderPathDiagrams(input: PathInput, pathProof: CheckRun = runCheckList(input, PATH_CHECKS)): Map<string, string> {
  const { results } = pathProof;
  return new Map(input.environments.map((env) => [
    pathDiagramFile(env.environment.name),
    document(env, results.filter((r) => r.environment === env.environment.name), input),
  ]));
}
