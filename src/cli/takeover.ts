/**
 * `npm run takeover -- --from <dir> [--env <name>]`: what the first `pulumi up` changes on the
 * objects of the Helm release it adopts (docs/runbooks/helm-takeover.md). `<dir>` holds the
 * release's objects as `helm template` renders them or `kubectl get -o yaml` exports them.
 */
import { findEnvironment, loadModel } from '../config/load';
import { renderMarkdown } from '../diff/render-markdown';
import { renderText } from '../diff/render-text';
import { hasChanges } from '../diff/report';
import { synthesizeEnvironment } from '../synth/manifests';
import { compareTakeover } from '../takeover/compare';
import { TakeoverInputError, readLiveObjects } from '../takeover/live-objects';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine, usageError } from './support/command';

/** As the diff's (README "Reviewing diffs"): 0 no change, 3 changes, 4 dangerous changes. */
export const TAKEOVER_EXIT_CODES = { noChanges: 0, error: 1, usage: 2, changes: 3, dangerous: 4 } as const;

export const COMMAND = defineCommand({
  name: 'takeover',
  usage: 'npm run takeover -- --from <dir> [--env <name>] [--format text|markdown]',
  description: "Compares the objects of the Helm release (rendered by `helm template` or exported with `kubectl get -o yaml` into <dir>) with what this project renders, field by field, secrets redacted, dangerous changes first: exactly what the first `pulumi up` changes at takeover. Server-populated fields and Helm's own labels and annotations are not compared; the Helm metadata dropped is listed.",
  options: {
    from: { type: 'string', value: '<dir>', description: "the release's objects (.yaml, .yml or .json files, any depth)" },
    env: { type: 'string', value: '<name>', description: 'compare one environment (needed when the objects name no namespace)' },
    format: { type: 'string', default: 'text', value: '<f>', description: 'text (default) or markdown' },
  },
  exitCodes: {
    [TAKEOVER_EXIT_CODES.noChanges]: 'no change',
    [TAKEOVER_EXIT_CODES.error]: 'error: a file is not an object, the configuration is invalid',
    [TAKEOVER_EXIT_CODES.usage]: 'usage error',
    [TAKEOVER_EXIT_CODES.changes]: 'changes found',
    [TAKEOVER_EXIT_CODES.dangerous]: 'dangerous changes found',
  },
});

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return TAKEOVER_EXIT_CODES.noChanges;
  const { values } = line;
  const usage = (problem: string): never => { throw usageError(COMMAND, problem); };
  if (values.from === undefined) return usage('--from is required.');
  if (values.format !== 'text' && values.format !== 'markdown') return usage(`--format ${JSON.stringify(values.format)} is not one of text, markdown.`);
  const model = loadModel(context.environments, context.tailnets);
  let environments = model.environments;
  if (values.env !== undefined) {
    if (!model.environments.some((e) => e.name === values.env)) return usage(`--env must name an environment (${model.environments.map((e) => e.name).join(', ')}); got ${JSON.stringify(values.env)}.`);
    environments = [findEnvironment(model, values.env)];
  }
  try {
    const live = readLiveObjects(values.from);
    const comparison = compareTakeover(environments.map(synthesizeEnvironment), live);
    const helm = [...comparison.helmMetadata].map(([key, fields]) => `${key}: Helm's ${fields.join(', ')} is dropped (known difference: the release no longer owns it).`);
    const notes = [
      `"-" is the release's object (${values.from}), "+" this project's; "added" objects are created, "removed" ones stay in the cluster, no longer managed by either.`,
      ...helm,
      ...comparison.ignored.map((o) => `${o} is in no compared environment's namespace; not compared.`),
    ];
    const options = { base: `the Helm release in ${values.from}`, notes };
    const text = values.format === 'markdown' ? renderMarkdown(comparison.report, options) : renderText(comparison.report, options);
    context.stdout(text === '' ? `takeover: no change; ${notes.slice(1).join(' ')}`.trimEnd() : text.trimEnd());
    if (comparison.report.dangers.length > 0) return TAKEOVER_EXIT_CODES.dangerous;
    return hasChanges(comparison.report) ? TAKEOVER_EXIT_CODES.changes : TAKEOVER_EXIT_CODES.noChanges;
  } catch (error) {
    if (error instanceof TakeoverInputError) {
      context.stderr(`takeover: ${error.message}`);
      return TAKEOVER_EXIT_CODES.error;
    }
    throw error;
  }
}
