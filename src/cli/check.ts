/**
 * `npm run check`: prove, per environment, every hop from the VMs to the database, and refuse
 * what the cluster's admission or a careful reviewer would. `npm run synth` runs the same
 * checks before it writes `dist/`.
 */
import { defaultCrdCacheDir, runGate, schemaSkipWarning } from '../checks/gate';
import { CHECKS } from '../checks/registry';
import { formatJson, formatReport } from '../checks/report';
import { loadModel } from '../config/load';
import { TERMINAL_WIDTH } from '../report/table';
import { build } from '../synth/build';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { CHECK_OPTIONS } from './support/check-options';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'check',
  usage: 'npm run check -- [--verbose] [--json] [--crds <dir>] [--require-schemas]',
  description: 'Runs every check on every environment. Prints what needs attention (failures with their fix, skipped and assumed checks) and counts the passes; --verbose prints one line per check and environment.',
  options: {
    json: { type: 'boolean', default: false, description: 'print every result as JSON (for machines)' },
    ...CHECK_OPTIONS,
  },
  exitCodes: {
    0: 'nothing failed (skipped and assumed checks are listed)',
    1: 'a check failed, or the configuration is invalid',
    2: 'usage error',
  },
});

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
  const result = build(loadModel(context.environments, context.tailnets));
  const run = runGate(result, { crds: values.crds, requireSchemas: values['require-schemas']!, cacheDir: defaultCrdCacheDir() });
  const warning = schemaSkipWarning(run);
  if (warning !== undefined) context.stderr(warning);
  context.stdout(values.json ? formatJson(run, CHECKS) : formatReport(run, { problemsOnly: !values.verbose, width: TERMINAL_WIDTH }));
  return run.ok ? 0 : 1;
}
