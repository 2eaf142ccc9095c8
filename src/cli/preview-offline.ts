/**
 * `npm run preview:offline -- --env <environment> [--now <ISO 8601>] [--live-policy <file>]`:
 * runs the environment's stack program under mocks (no Pulumi CLI, credentials or network)
 * and prints every resource it would register, with its inputs (secrets redacted) and
 * options, then the stack outputs and the guard rails' verdict. For reviewers of a pull
 * request, who have no credentials.
 */
import * as fs from 'node:fs';
import { loadModel } from '../config/load';
import { environmentStack } from '../pulumi/environment-stack';
import { checkGuardRails, formatViolation } from '../pulumi/guard-rails';
import { type RecordedResource, offlineStackConfig, policyFromCode, runOffline } from '../pulumi/offline-run';
import { renderYaml } from '../synth/render';
import { redactTree } from '../diff/redact';
import { redactString } from '../secrets/secret-looking';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';
import { requireInputFile } from './support/paths';

export const COMMAND = defineCommand({
  name: 'preview-offline',
  usage: 'npm run preview:offline -- --env <environment> [--now <time>] [--live-policy <file>] [--json]',
  description: "Runs the environment's Pulumi stack program under mocks (no Pulumi CLI, credentials or network) and prints every resource it would register, with its inputs (secrets redacted) and options, the stack outputs and the guard rails' verdict.",
  options: {
    env: { type: 'string', value: '<environment>', description: 'the environment (= stack) to preview' },
    now: { type: 'string', value: '<time>', description: 'the time the program sees, in ISO 8601 (default: now), e.g. 2026-03-10T12:00:00Z' },
    'live-policy': { type: 'string', value: '<file>', description: "a copy of the tailnet's live policy (HuJSON); default: what this commit writes" },
    json: { type: 'boolean', default: false, description: 'print resources, outputs and violations as JSON (for machines)' },
  },
  exitCodes: {
    0: 'the guard rails passed',
    1: 'a guard rail failed, the live policy was edited outside Pulumi, or the configuration is invalid',
    2: 'usage error (unknown environment, a date that is not one, a --live-policy file that does not exist)',
  },
});

export async function main(argv: readonly string[], context: CliContext = defaultContext()): Promise<number> {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
  if (values['live-policy'] !== undefined) requireInputFile('--live-policy', values['live-policy']);
  const model = loadModel(context.environments, context.tailnets);
  const names = model.environments.map((e) => e.name);
  const environment = model.environments.find((e) => e.name === values.env);
  if (environment === undefined) {
    context.stderr(`preview-offline: --env must name an environment (${names.join(', ')}); got ${values.env === undefined ? 'nothing' : JSON.stringify(values.env)}.`);
    return 2;
  }
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) {
    context.stderr(`preview-offline: --now ${JSON.stringify(values.now)} is not a date; use ISO 8601, e.g. 2026-03-10T12:00:00Z.`);
    return 2;
  }
  // Without a copy of the live policy, assume the tailnet holds what this commit would write.
  const livePolicyFile = values['live-policy'];
  const livePolicy = livePolicyFile === undefined ? policyFromCode(model, environment.tailnet.tailnet) : fs.readFileSync(livePolicyFile, 'utf8');

  // A copy of a live policy carries markers signed with the stacks' real keys, which offline runs do not have.
  const unverifiedMarkers = livePolicyFile !== undefined;
  const run = await runOffline({ stack: environment.name, now, livePolicy, preview: true, unverifiedMarkers }, () =>
    environmentStack({ model, environment, config: offlineStackConfig(environment.name, unverifiedMarkers), now }));
  const violations = checkGuardRails(environment, model, run.resources, livePolicy);
  if (values.json) {
    // Redacted as a tree, so the output stays JSON.
    context.stdout(JSON.stringify(redactTree({
      stack: environment.name, now: now.toISOString(), livePolicy: livePolicyFile ?? null, ok: violations.length === 0, logs: run.logs,
      // `inputs` holds the secrets in clear: only the redacted copy is printed.
      resources: run.resources.map(({ inputs: _secrets, ...printable }) => printable), outputs: run.outputs, violations,
    }), null, 2));
    return violations.length === 0 ? 0 : 1;
  }

  // Pulumi's secrets print as [secret]; anything else secret-looking is redacted too.
  context.stdout(redactString([
    `Offline preview of stack "${environment.name}" at ${now.toISOString()}: the stack program under mocks, without credentials or network.`,
    `Live tailnet policy assumed: ${livePolicyFile ?? 'what this commit writes for tailnet "' + environment.tailnet.tailnet + '"'}. Values only Tailscale computes are stand-ins; secrets print as [secret].`,
    ...(unverifiedMarkers ? ['Ownership markers are read, not verified: their MACs need the stacks\' keys, which only `pulumi preview` has.'] : []),
    '',
    // What the program logs during `pulumi preview`: the policy plan, entry by entry.
    ...run.logs,
    '',
    formatResourceTree(run.resources),
    'Stack outputs:',
    indent(renderYaml(run.outputs)),
    violations.length === 0
      ? `Guard rails: passed (${run.resources.length} resources checked).`
      : `Guard rails: ${violations.length} violation(s):\n${violations.map((v) => `  - ${formatViolation(v)}`).join('\n')}`,
  ].join('\n')));
  return violations.length === 0 ? 0 : 1;
}

/** Resources as a tree by parent, each with its inputs and the options that decide order and safety. */
export function formatResourceTree(resources: readonly RecordedResource[]): string {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  // Dependencies are URNs; provider references are `<urn>::<id>`.
  const label = (reference: string): string => {
    const r = byUrn.get(reference) ?? byUrn.get(reference.replace(/::[^:]*$/, ''));
    return r === undefined ? reference : `${r.type} ${r.name}`;
  };
  const lines: string[] = [];
  const visit = (parent: string, depth: number): void => {
    const children = resources.filter((r) => r.parent === parent).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    for (const r of children) {
      const pad = '  '.repeat(depth);
      lines.push(`${pad}+ ${r.type} ${r.name}`);
      const options = [
        r.provider === '' ? undefined : `provider: ${label(r.provider)}`,
        r.dependencies.length === 0 ? undefined : `dependsOn: ${r.dependencies.map(label).join(', ')}`,
        r.protect ? 'protect: true' : undefined,
        r.retainOnDelete ? 'retainOnDelete: true' : undefined,
        r.customTimeouts.create === '' ? undefined : `timeouts: create ${r.customTimeouts.create}, update ${r.customTimeouts.update}`,
        r.replaceOnChanges.length === 0 ? undefined : `replaceOnChanges: ${r.replaceOnChanges.join(', ')}`,
      ].filter((o): o is string => o !== undefined);
      for (const option of options) lines.push(`${pad}    ${option}`);
      if (r.custom && Object.keys(r.redactedInputs).length > 0) lines.push(indent(renderYaml(r.redactedInputs), `${pad}    `));
      visit(r.urn, depth + 1);
    }
  };
  visit('', 0);
  return lines.join('\n');
}

function indent(text: string, pad = '  '): string {
  return text.trimEnd().split('\n').map((line) => `${pad}${line}`).join('\n');
}
