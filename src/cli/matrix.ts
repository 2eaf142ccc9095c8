/**
 * `npm run matrix`: print each tailnet's reachability matrix (source × destination port →
 * allow/deny, and Tailscale SSH per user), as the offline evaluator reads the generated policy.
 * Options: `--tailnet <name>` (one tailnet), `--markdown` (the dist/tailnet/*.matrix.md form).
 * Exit codes: 0 ok; 1 invalid configuration or a policy failing its tests; 2 usage error.
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../config/load';
import { buildTailnetPolicies } from '../tailnet/build';
import { formatMatrixMarkdown, formatMatrixText } from '../tailnet/matrix';
import type { CliContext } from './context';
import { defaultContext } from './context';

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      tailnet: { type: 'string' },
      markdown: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const policies = buildTailnetPolicies(loadModel(context.environments, context.tailnets));
  const selected = values.tailnet === undefined ? policies : policies.filter((p) => p.tailnet.name === values.tailnet);
  if (selected.length === 0) {
    context.stderr(`matrix: no tailnet "${values.tailnet}" with environments on it; known: ${policies.map((p) => p.tailnet.name).join(', ')}.`);
    return 2;
  }
  const format = values.markdown ? formatMatrixMarkdown : formatMatrixText;
  context.stdout(selected.map(format).join('\n\n'));
  return 0;
}
