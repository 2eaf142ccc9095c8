/**
 * `npm run synth`: validate every environment, synthesize everything into `dist/`, run the
 * checks, print a summary. With `--check`, only verify that `dist/` is up to date.
 */
import { defaultCrdCacheDir, runGate, schemaSkipWarning } from '../checks/gate';
import { CHECKS } from '../checks/registry';
import { formatReport, jsonReport } from '../checks/report';
import { loadModel } from '../config/load';
import { TERMINAL_WIDTH } from '../report/table';
import { build } from '../synth/build';
import { compareTrees, isSameTree, readTree, writeTreeAtomically } from '../synth/output-tree';
import { formatSummary } from '../synth/summary';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { CHECK_OPTIONS } from './support/check-options';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'synth',
  usage: 'npm run synth -- [--check] [--out <dir>] [--json] [options]',
  description: 'Validates every environment, synthesizes the manifests and tailnet policies, runs every check, and writes dist/ only when all pass (nothing is written half-done). With --check, only verifies that dist/ is what the code renders.',
  options: {
    out: { type: 'string', default: 'dist', value: '<dir>', description: 'the output folder' },
    check: { type: 'boolean', default: false, description: 'write nothing; fail when <dir> differs from a fresh synthesis' },
    quiet: { type: 'boolean', short: 'q', default: false, description: 'print nothing on success' },
    json: { type: 'boolean', default: false, description: 'print the result as JSON (for machines)' },
    ...CHECK_OPTIONS,
  },
  exitCodes: {
    0: 'written (or, with --check, dist/ is up to date)',
    1: 'invalid configuration, a failed check (nothing written) or, with --check, a stale dist/',
    2: 'usage error',
  },
});

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
  const outDir = values.out!;
  const result = build(loadModel(context.environments, context.tailnets));

  if (values.check) {
    const difference = compareTrees(result.files, readTree(outDir));
    const fresh = isSameTree(difference);
    if (values.json) {
      context.stdout(JSON.stringify({ ok: fresh, outDir, files: result.files.size, ...difference }, null, 2));
      return fresh ? 0 : 1;
    }
    if (!fresh) {
      const lines = [
        ...difference.changed.map((f) => `  changed: ${outDir}/${f}`),
        ...difference.added.map((f) => `  missing: ${outDir}/${f}`),
        ...difference.removed.map((f) => `  not generated any more: ${outDir}/${f}`),
      ];
      context.stderr(`${outDir}/ is stale: it differs from a fresh synthesis.\n${lines.join('\n')}\nFix: run \`npm run synth\`, review the diff, and commit ${outDir}/.`);
      return 1;
    }
    context.stdout(`${outDir}/ is up to date (${result.files.size} files).`);
    return 0;
  }

  // The gate runs before anything is written: a failing check leaves dist/ as it was.
  const checks = runGate(result, { crds: values.crds, requireSchemas: values['require-schemas']!, cacheDir: defaultCrdCacheDir() });
  const warning = schemaSkipWarning(checks);
  if (warning !== undefined && !values.json) context.stderr(warning);
  if (checks.ok) writeTreeAtomically(outDir, result.files);
  if (values.json) {
    context.stdout(JSON.stringify({ ok: checks.ok, outDir, written: checks.ok ? result.files.size : 0, warning: warning ?? null, checks: jsonReport(checks, CHECKS) }, null, 2));
    return checks.ok ? 0 : 1;
  }
  if (!checks.ok) {
    context.stderr(`${formatReport(checks, { problemsOnly: true, width: TERMINAL_WIDTH })}\nNothing was written to ${outDir}/. \`npm run check\` prints the whole report.`);
    return 1;
  }
  if (!values.quiet) context.stdout(`${formatSummary(result)}\n\n${formatReport(checks, { problemsOnly: !values.verbose, width: TERMINAL_WIDTH })}\nWrote ${result.files.size} files to ${outDir}/.`);
  return 0;
}
