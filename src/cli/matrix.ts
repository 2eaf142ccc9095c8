/**
 * `npm run matrix`: print each tailnet's reachability matrix (source × destination port →
 * allow/deny, and Tailscale SSH per user), as the offline evaluator reads the generated policy.
 */
import { loadModel } from '../config/load';
import { buildTailnetPolicies } from '../tailnet/build';
import { formatMatrixMarkdown, formatMatrixText } from '../tailnet/matrix';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'matrix',
  usage: 'npm run matrix -- [--tailnet <name>] [--markdown]',
  description: 'Prints the reachability matrix of every tailnet (or one), as the offline evaluator reads the policy the code generates.',
  options: {
    tailnet: { type: 'string', value: '<name>', description: 'only this tailnet' },
    markdown: { type: 'boolean', default: false, description: 'print the Markdown form written to dist/tailnet/*.matrix.md' },
  },
  exitCodes: {
    0: 'printed',
    1: 'invalid configuration, or a policy failing its own tests',
    2: 'usage error (e.g. an unknown tailnet)',
  },
});

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
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
