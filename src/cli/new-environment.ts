/**
 * `npm run new-environment -- <name> --from <existing>`: scaffolds an environment from an
 * existing one (docs/new-environment.md). Writes three files in the repository, runs nothing.
 */
import { repoRoot } from '../build-cache';
import { loadModel } from '../config/load';
import { TERMINAL_WIDTH, wrapCell } from '../report/table';
import { planNewEnvironment, stillToDecide, writeNewEnvironment } from '../scaffold/new-environment';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine, usageError } from './support/command';

export const COMMAND = defineCommand({
  name: 'new-environment',
  usage: 'npm run new-environment -- <name> --from <existing> [--dry-run]',
  positionals: '<name>  the new environment: one DNS label, the suffix of its namespace, tags and hostnames',
  description: "Scaffolds src/config/environments/<name>.ts from an existing environment with every identifier it owns renamed (namespace, tags, hostname, vault items, fleet), registers it, and writes Pulumi.<name>.yaml in the existing stack file's shape. The copy is validated by synth's rules first; then it prints what a person must still decide. Runs nothing, creates nothing outside the repository.",
  options: {
    from: { type: 'string', value: '<existing>', description: 'the environment to copy' },
    'dry-run': { type: 'boolean', default: false, description: 'print what would be written, write nothing' },
  },
  exitCodes: {
    0: 'scaffolded (or, with --dry-run, it would be)',
    1: 'the copy would not be valid, or a file is not shaped as expected (nothing written)',
    2: 'usage error: the name exists or is not a DNS label, an unknown --from',
  },
});

export interface NewEnvironmentContext extends CliContext {
  readonly root: string;
}

export function main(argv: readonly string[], context: NewEnvironmentContext = { ...defaultContext(), root: repoRoot() }): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values, positionals } = line;
  if (positionals.length !== 1) throw usageError(COMMAND, `expected one <name>, got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')}.`);
  if (values.from === undefined) throw usageError(COMMAND, '--from <existing> is required: the environment to copy.');
  const model = loadModel(context.environments, context.tailnets);
  const plan = planNewEnvironment({ root: context.root, name: positionals[0]!, from: values.from, environments: model.environments, tailnets: model.tailnets });
  if (!values['dry-run']) writeNewEnvironment(context.root, plan);
  const width = Math.max(...plan.renames.map((r) => r.path.length));
  context.stdout([
    `new-environment: ${values['dry-run'] ? 'would scaffold' : 'scaffolded'} environment "${plan.environment.name}" from "${plan.source.name}":`,
    ...[...plan.created.keys()].map((f) => `  ${values['dry-run'] ? 'would create' : 'created'} ${f}`),
    `  ${values['dry-run'] ? 'would register' : 'registered'} it in ${plan.registry.file}`,
    '',
    `renamed (${plan.renames.length}):`,
    ...plan.renames.map((r) => `  ${r.path.padEnd(width)}  ${r.before} → ${r.after}`),
    '',
    'still to decide or create (nothing outside this repository was touched):',
    ...stillToDecide(plan).flatMap((item) => wrapCell(item, TERMINAL_WIDTH - 4).map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`)),
    '',
    ...wrapCell(`then: npm run synth, review dist/${plan.environment.name}/, update the snapshots (npx jest --ci=false -u), npm test, commit. docs/new-environment.md has the whole procedure.`, TERMINAL_WIDTH),
  ].join('\n'));
  return 0;
}
