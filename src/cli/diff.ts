/**
 * `npm run diff -- --base <git-ref>`: what would change in every environment's manifests and
 * every tailnet policy, between the output rendered by the base's code and by the working
 * tree, in words, secrets redacted, dangerous changes first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../config/load';
import { DiffInputError, renderBaseTree, repositoryRoot } from '../diff/base-tree';
import { diffTrees } from '../diff/diff-trees';
import { renderMarkdown } from '../diff/render-markdown';
import { renderText } from '../diff/render-text';
import { isolationNotes } from '../tailnet/isolation';
import { hasChanges } from '../diff/report';
import { type ParseCache, readRenderedTree, seedParseCache } from '../diff/rendered-tree';
import { build } from '../synth/build';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine, usageError } from './support/command';
import { requireFolder, requireOutputFolder } from './support/paths';

/** Documented in README "Reviewing diffs" and in `--help`. CI treats 0, 3 and 4 as success. */
export const DIFF_EXIT_CODES = { noChanges: 0, error: 1, usage: 2, changes: 3, dangerous: 4 } as const;

const FORMATS = ['text', 'markdown', 'json'] as const;

export const COMMAND = defineCommand({
  name: 'diff',
  usage: 'npm run diff -- --base <git-ref> [--format text|markdown|json] [--out <file>] [options]',
  description: "Compares the output rendered by <git-ref>'s own code (manifests of every environment, policy of every tailnet) with a fresh synthesis of the working tree: in words, secrets redacted, dangerous changes first.",
  options: {
    base: { type: 'string', value: '<git-ref>', description: 'branch, tag or commit to compare with (e.g. origin/main, HEAD^1)' },
    format: { type: 'string', default: 'text', value: '<f>', description: 'text (for a terminal), markdown (for a pull-request comment) or json (for machines)' },
    json: { type: 'boolean', default: false, description: 'the same as --format json' },
    out: { type: 'string', value: '<file>', description: 'write the diff to <file> instead of stdout (an empty file when nothing changed)' },
    'max-length': { type: 'string', value: '<n>', description: 'markdown only: cut the details so the text fits in <n> characters' },
    repo: { type: 'string', default: '.', value: '<dir>', description: 'the repository' },
  },
  exitCodes: {
    [DIFF_EXIT_CODES.noChanges]: 'no change',
    [DIFF_EXIT_CODES.changes]: 'changes found',
    [DIFF_EXIT_CODES.dangerous]: 'dangerous changes found (immutable fields, tailnet exposure removed, access widened)',
    [DIFF_EXIT_CODES.error]: 'error (unknown ref, invalid configuration)',
    [DIFF_EXIT_CODES.usage]: 'usage error (unknown option, --out into a folder that does not exist)',
  },
});

export async function main(argv: readonly string[], context: CliContext = defaultContext()): Promise<number> {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return DIFF_EXIT_CODES.noChanges;
  const { values } = line;
  if (values.base === undefined) throw usageError(COMMAND, '--base is required.');
  const format = (values.json ? 'json' : values.format) as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw usageError(COMMAND, `--format ${JSON.stringify(values.format)} is not one of ${FORMATS.join(', ')}.`);
  const maxLength = values['max-length'] === undefined ? undefined : Number(values['max-length']);
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 1000)) {
    throw usageError(COMMAND, `--max-length ${JSON.stringify(values['max-length'])} must be a whole number of at least 1000.`);
  }
  // Before minutes of rendering, not after.
  if (values.out !== undefined) requireOutputFolder('--out', values.out);
  requireFolder('--repo', values.repo!);

  try {
    const root = repositoryRoot(path.resolve(values.repo!));
    // The base renders in a child process while the head renders here.
    const rendering = renderBaseTree(root, values.base).then((tree) => ({ tree }), (error: unknown) => ({ error }));
    const built = build(loadModel(context.environments, context.tailnets));
    const head = built.files;
    // The head's manifests are known as objects, and its policies are parsed while the base is
    // still rendering: afterwards only the base's files that changed are parsed.
    const parsed: ParseCache = new Map();
    seedParseCache(parsed, built.environments, head);
    readRenderedTree(head, parsed);
    const settled = await rendering;
    if ('error' in settled) throw settled.error;
    const base = settled.tree;
    const report = diffTrees(base.files, head, parsed);
    const options = { base: base.commit.startsWith(values.base) ? base.commit.slice(0, 12) : `${values.base} (${base.commit.slice(0, 12)})`, notes: [...(base.notes ?? []), ...isolationNotes(built.tailnets)], maxLength };
    const changed = hasChanges(report);
    const code = report.dangers.length > 0 ? DIFF_EXIT_CODES.dangerous : changed ? DIFF_EXIT_CODES.changes : DIFF_EXIT_CODES.noChanges;
    const text = format === 'json'
      ? `${JSON.stringify({ base: options.base, notes: options.notes, exitCode: code, changes: changed, dangerous: report.dangers.length, report }, null, 2)}\n`
      : format === 'markdown' ? renderMarkdown(report, options) : renderText(report, options);
    if (values.out === undefined) {
      context.stdout(text === '' ? `No changes against ${options.base}: every environment's manifests and every tailnet policy render the same.` : text.trimEnd());
    } else {
      fs.writeFileSync(values.out, text);
      context.stdout(`diff: ${text === '' ? 'no change' : `changes, ${report.dangers.length} dangerous`}; wrote ${values.out}.`);
    }
    return code;
  } catch (error) {
    // Unknown ref, a base that does not render: one line, exit 1 (DiffInputError is a UserError).
    if (error instanceof DiffInputError) {
      context.stderr(`diff: ${error.message}`);
      return DIFF_EXIT_CODES.error;
    }
    throw error;
  }
}
