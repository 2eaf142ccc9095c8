/**
 * `npm run -s environments [-- --with-tailnet]`: the configured environments, in rollout order,
 * as JSON, so the workflows take their matrices from the configuration (one source):
 * `["staging","canary","production"]`, or with `--with-tailnet` one object per environment,
 * `{"environment": …, "tailnet": …}` (for the per-tailnet concurrency groups).
 * Exit codes: 0 printed; 1 the configuration is invalid; 2 usage error.
 */
import { loadModel } from '../config/load';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'environments',
  usage: 'npm run -s environments [-- --with-tailnet]',
  description: 'Prints the configured environments, in rollout order, as JSON, so the workflows take their matrices from the configuration (one source).',
  options: {
    'with-tailnet': { type: 'boolean', default: false, description: 'one object per environment, with its tailnet (for per-tailnet concurrency groups)' },
  },
  exitCodes: { 0: 'printed', 1: 'the configuration is invalid', 2: 'usage error' },
});

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
  const { environments } = loadModel(context.environments, context.tailnets);
  context.stdout(JSON.stringify(values['with-tailnet']
    ? environments.map((e) => ({ environment: e.name, tailnet: e.tailnet.tailnet }))
    : environments.map((e) => e.name)));
  return 0;
}
