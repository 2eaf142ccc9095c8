/**
 * `… | npm run -s redact`: copies standard input to standard output with every secret-looking
 * value replaced (src/secrets/secret-looking.ts, the rule the diff and the checks use), for
 * logs and job summaries of commands whose output this project does not render itself
 * (`pulumi preview`, `pulumi up`). Line by line, so a long preview streams.
 */
import * as readline from 'node:readline';
import { redactString } from '../secrets/secret-looking';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'redact',
  usage: '… | npm run -s redact',
  description: 'Copies standard input to standard output with every secret-looking value replaced (the rule the diff and the checks use), line by line, for the output of commands this project does not render (`pulumi preview`, `pulumi up`).',
  options: {},
  exitCodes: { 0: 'copied', 2: 'usage error' },
});

export async function main(argv: readonly string[], context: CliContext = defaultContext()): Promise<number> {
  if (parseCommandLine(COMMAND, argv, context) === undefined) return 0;
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) process.stdout.write(`${redactString(line)}\n`);
  return 0;
}
