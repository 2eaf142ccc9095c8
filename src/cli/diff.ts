/**
 * `npm run diff -- --base <git-ref>`: what would change in every environment's manifests and
 * every tailnet policy, between the output rendered by the base's code and by the working
 * tree, in words, secrets redacted, dangerous changes first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel } from '../config/load';
import { DiffInputError, renderBaseTree, repositoryRoot } from '../diff/base-tree';
import { diffTrees } from '../diff/diff-trees';
import { renderMarkdown } from '../diff/render-markdown';
import { renderText } from '../diff/render-text';
import { isolationNotes } from '../tailnet/isolation';
import { hasChanges } from '../diff/report';
import { build } from '../synth/build';
import type { CliContext } from './context';
import { defaultContext } from './context';

/** Documented in README "Reviewing diffs" and in `--help`. CI treats 0, 3 and 4 as success. */
export const DIFF_EXIT_CODES = { noChanges: 0, error: 1, usage: 2, changes: 3, dangerous: 4 } as const;

const FORMATS = ['text', 'markdown'] as const;

export const USAGE = `usage: npm run diff -- --base <git-ref> [--format text|markdown] [--out <file>] [--max-length <n>] [--repo <dir>]

Compares the output rendered by <git-ref>'s own code (manifests of every environment, policy
of every tailnet) with a fresh synthesis of the working tree.

  --base <git-ref>   branch, tag or commit to compare with (e.g. origin/main, HEAD^1)
  --format <f>       text (default, for a terminal) or markdown (for a pull-request comment)
  --out <file>       write the diff to <file> instead of stdout (an empty file when nothing changed)
  --max-length <n>   markdown only: cut the details so the text fits in <n> characters
  --repo <dir>       the repository (default: the current directory)

exit codes:
  0  no change
  3  changes found
  4  dangerous changes found (immutable fields, tailnet exposure removed, access widened)
  1  error (unknown ref, invalid configuration)
  2  usage error`;

export async function main(argv: readonly string[], context: CliContext = defaultContext()): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      base: { type: 'string' },
      format: { type: 'string', default: 'text' },
      out: { type: 'string' },
      'max-length': { type: 'string' },
      repo: { type: 'string', default: '.' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    context.stdout(USAGE);
    return DIFF_EXIT_CODES.noChanges;
  }
  const usage = (problem: string): number => {
    context.stderr(`diff: ${problem}\n${USAGE}`);
    return DIFF_EXIT_CODES.usage;
  };
  if (values.base === undefined) return usage('--base is required.');
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) return usage(`--format ${JSON.stringify(values.format)} is not one of ${FORMATS.join(', ')}.`);
  const maxLength = values['max-length'] === undefined ? undefined : Number(values['max-length']);
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 1000)) {
    return usage(`--max-length ${JSON.stringify(values['max-length'])} must be a whole number of at least 1000.`);
  }

  try {
    const root = repositoryRoot(path.resolve(values.repo!));
    // The base renders in a child process while the head renders here.
    const rendering = renderBaseTree(root, values.base).then((tree) => ({ tree }), (error: unknown) => ({ error }));
    const built = build(loadModel(context.environments, context.tailnets));
    const head = built.files;
    const settled = await rendering;
    if ('error' in settled) throw settled.error;
    const base = settled.tree;
    const report = diffTrees(base.files, head);
    const options = { base: base.commit.startsWith(values.base) ? base.commit.slice(0, 12) : `${values.base} (${base.commit.slice(0, 12)})`, notes: [...(base.notes ?? []), ...isolationNotes(built.tailnets)], maxLength };
    const text = format === 'markdown' ? renderMarkdown(report, options) : renderText(report, options);
    const code = report.dangers.length > 0 ? DIFF_EXIT_CODES.dangerous : hasChanges(report) ? DIFF_EXIT_CODES.changes : DIFF_EXIT_CODES.noChanges;
    if (values.out === undefined) {
      if (text !== '') context.stdout(text.trimEnd());
    } else {
      fs.writeFileSync(values.out, text);
      context.stdout(`diff: ${text === '' ? 'no change' : `changes, ${report.dangers.length} dangerous`}; wrote ${values.out}.`);
    }
    return code;
  } catch (error) {
    if (error instanceof DiffInputError) {
      context.stderr(`diff: ${error.message}`);
      return DIFF_EXIT_CODES.error;
    }
    throw error;
  }
}
