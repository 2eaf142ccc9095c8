/**
 * `npm run check`: prove, per environment, every hop from the VMs to the database, and refuse
 * what the cluster's admission or a careful reviewer would. One line per check and environment
 * (`--json` for machines). `npm run synth` runs the same checks before it writes `dist/`.
 * Exit codes: 0 nothing failed (skipped and assumed lines are listed); 1 a check failed or the
 * configuration is invalid; 2 usage error.
 */
import { parseArgs } from 'node:util';
import { CHECK_OPTIONS, defaultCrdCacheDir, runGate, schemaSkipWarning } from '../checks/gate';
import { CHECKS } from '../checks/registry';
import { formatJson, formatReport } from '../checks/report';
import { loadModel } from '../config/load';
import { build } from '../synth/build';
import type { CliContext } from './context';
import { defaultContext } from './context';

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      ...CHECK_OPTIONS,
    },
    strict: true,
  });
  const result = build(loadModel(context.environments, context.tailnets));
  const run = runGate(result, { crds: values.crds, requireSchemas: values['require-schemas']!, cacheDir: defaultCrdCacheDir() });
  const warning = schemaSkipWarning(run);
  if (warning !== undefined) context.stderr(warning);
  context.stdout(values.json ? formatJson(run, CHECKS) : formatReport(run));
  return run.ok ? 0 : 1;
}
