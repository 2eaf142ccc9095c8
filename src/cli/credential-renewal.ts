/**
 * `npm run credential-renewal -- --env <environment> --status <file> [--now <ISO 8601>]`:
 * decides whether the scheduled workflow renews an environment's VM credential, from the
 * stack output `vmCredential` (JSON, as `pulumi stack output vmCredential --json` prints it).
 * Prints `renew=true|false`, `urn=…` and `message=…` lines for `$GITHUB_OUTPUT`, and the
 * message on stderr. Never sees the credential's value: the stack exports only its facts.
 * Exit codes: 0 decided; 1 the status is unreadable; 2 usage error.
 */
import * as fs from 'node:fs';
import { renewalDecision, renewalFailure } from '../pulumi/credential-rotation';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'credential-renewal',
  usage: 'npm run credential-renewal -- --env <environment> --status <file> [--now <ISO 8601>]',
  description: 'Decides whether the scheduled workflow renews an environment\'s VM credential, from the stack output `vmCredential` (`pulumi stack output vmCredential --json`). Prints `renew=`, `urn=` and `message=` lines for $GITHUB_OUTPUT; never sees the credential\'s value.',
  options: {
    env: { type: 'string', value: '<environment>', description: 'the environment (its stack)' },
    status: { type: 'string', value: '<file>', description: 'the JSON of `pulumi stack output vmCredential --json`' },
    now: { type: 'string', value: '<ISO 8601>', description: 'the clock (default: now)' },
  },
  exitCodes: { 0: 'decided', 1: 'the status is unreadable', 2: 'usage error' },
});

export async function main(argv: readonly string[], context: CliContext = defaultContext()): Promise<number> {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
  const names = context.environments.map((e) => e.name);
  if (values.env === undefined || !names.includes(values.env)) {
    context.stderr(`credential-renewal: --env must name an environment (${names.join(', ')}); got ${values.env === undefined ? 'nothing' : JSON.stringify(values.env)}.`);
    return 2;
  }
  if (values.status === undefined) {
    context.stderr('credential-renewal: --status <file> is required: the JSON of `pulumi stack output vmCredential --json`.');
    return 2;
  }
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) {
    context.stderr(`credential-renewal: --now ${JSON.stringify(values.now)} is not a date; use ISO 8601, e.g. 2026-03-10T12:00:00Z.`);
    return 2;
  }
  let facts: { kind?: unknown; expiresAt?: unknown; nextRenewal?: unknown; urn?: unknown };
  try {
    facts = JSON.parse(fs.readFileSync(values.status, 'utf8'));
  } catch (error) {
    context.stderr(`credential-renewal: cannot read the stack output in ${values.status}: ${(error as Error).message}. Fix: pass the output of \`pulumi stack output vmCredential --json\`.`);
    return 1;
  }
  const fields = ['kind', 'expiresAt', 'nextRenewal', 'urn'] as const;
  const missing = fields.filter((f) => typeof facts[f] !== 'string');
  if (missing.length > 0) {
    context.stderr(`credential-renewal: the stack output vmCredential of "${values.env}" has no ${missing.join(', ')} (keys found: ${Object.keys(facts).join(', ') || 'none'}). Fix: run \`pulumi up --stack ${values.env}\` once with this commit's program, which exports them.`);
    return 1;
  }
  const decision = renewalDecision({ kind: facts.kind as string, expiresAt: facts.expiresAt as string, nextRenewal: facts.nextRenewal as string }, now);
  const message = `${values.env}: ${decision.message}`;
  context.stdout([
    `renew=${decision.renew}`,
    `urn=${facts.urn as string}`,
    `message=${message.replace(/[\r\n]+/g, ' ')}`,
    ...(decision.renew ? [`failure=${renewalFailure(values.env, decision).replace(/[\r\n]+/g, ' ')}`] : []),
  ].join('\n'));
  context.stderr(message);
  return 0;
}
