/**
 * `npm run -s environments [-- --with-tailnet]`: the configured environments, in rollout order,
 * as JSON, so the workflows take their matrices from the configuration (one source):
 * `["staging","canary","production"]`, or with `--with-tailnet` one object per environment,
 * `{"environment": …, "tailnet": …}` (for the per-tailnet concurrency groups).
 * Exit codes: 0 printed; 1 the configuration is invalid; 2 usage error.
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../config/load';
import type { CliContext } from './context';
import { defaultContext } from './context';

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const { values } = parseArgs({ args: [...argv], options: { 'with-tailnet': { type: 'boolean', default: false } }, strict: true });
  const { environments } = loadModel(context.environments, context.tailnets);
  context.stdout(JSON.stringify(values['with-tailnet']
    ? environments.map((e) => ({ environment: e.name, tailnet: e.tailnet.tailnet }))
    : environments.map((e) => e.name)));
  return 0;
}
