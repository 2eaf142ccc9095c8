/**
 * `… | npm run -s redact`: copies standard input to standard output with every secret-looking
 * value replaced (src/secrets/secret-looking.ts, the rule the diff and the checks use), for
 * logs and job summaries of commands whose output this project does not render itself
 * (`pulumi preview`, `pulumi up`). Line by line, so a long preview streams.
 */
import * as readline from 'node:readline';
import { redactString } from '../secrets/secret-looking';

export async function main(_argv: readonly string[]): Promise<number> {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) process.stdout.write(`${redactString(line)}\n`);
  return 0;
}
