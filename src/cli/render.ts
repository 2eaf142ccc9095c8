/**
 * `node scripts/run.js render`: every file the code renders (the environments' manifests, the
 * tailnet policies, the path diagrams) as one JSON object on stdout, `{"<path>": "<content>"}`,
 * without the gate's checks and without writing anything. The diff renders its base commit
 * with that commit's own code this way, and only compares; `npm run synth` is what checks and
 * writes `dist/`.
 */
import { loadModel } from '../config/load';
import { build } from '../synth/build';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'render',
  usage: 'node scripts/run.js render',
  description: 'Prints every file the code renders, as one JSON object of path → content, without running the checks or writing anything (the diff renders its base this way).',
  options: {},
  exitCodes: { 0: 'printed', 1: 'invalid configuration, or a tailnet policy that fails its own tests', 2: 'usage error' },
});

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { files } = build(loadModel(context.environments, context.tailnets));
  context.stdout(JSON.stringify(Object.fromEntries(files)));
  return 0;
}
