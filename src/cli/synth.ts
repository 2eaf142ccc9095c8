/**
 * `npm run synth`: validate every environment, synthesize everything into `dist/`, run the
 * checks, print a summary. With `--check`, only verify that `dist/` is up to date.
 * Exit codes: 0 ok; 1 invalid configuration, failed checks or stale `dist/`; 2 usage error.
 */
import { parseArgs } from 'node:util';
import { CHECK_OPTIONS, defaultCrdCacheDir, runGate, schemaSkipWarning } from '../checks/gate';
import { formatReport } from '../checks/report';
import { loadModel } from '../config/load';
import { build } from '../synth/build';
import { compareTrees, isSameTree, readTree, writeTreeAtomically } from '../synth/output-tree';
import { formatSummary } from '../synth/summary';
import type { CliContext } from './context';
import { defaultContext } from './context';

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      out: { type: 'string', default: 'dist' },
      check: { type: 'boolean', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
      ...CHECK_OPTIONS,
    },
    strict: true,
  });
  const outDir = values.out!;
  const result = build(loadModel(context.environments, context.tailnets));

  if (values.check) {
    const difference = compareTrees(result.files, readTree(outDir));
    if (!isSameTree(difference)) {
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
  if (warning !== undefined) context.stderr(warning);
  if (!checks.ok) {
    context.stderr(`${formatReport(checks, { problemsOnly: true })}\nNothing was written to ${outDir}/. \`npm run check\` prints the whole report.`);
    return 1;
  }
  writeTreeAtomically(outDir, result.files);
  if (!values.quiet) context.stdout(`${formatSummary(result)}\n\n${formatReport(checks, { problemsOnly: true })}\nWrote ${result.files.size} files to ${outDir}/.`);
  return 0;
}

