/**
 * The generated output tree (`dist/`) as a whole: written atomically, compared for freshness.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Relative path → content. */
export type FileTree = ReadonlyMap<string, string>;

/**
 * Replaces `dir` with exactly `files`. Everything is written to a sibling staging directory
 * first and swapped in with renames, so a failure leaves the previous tree untouched. When
 * `dir` already holds exactly `files` (synthesis is deterministic: the common case), nothing
 * is written.
 */
export function writeTreeAtomically(dir: string, files: FileTree): void {
  if (isSameTree(compareTrees(files, readTree(dir)))) return;
  const parent = path.dirname(path.resolve(dir));
  const base = path.basename(dir);
  const staging = fs.mkdtempSync(path.join(parent, `.${base}.next-`));
  const previous = path.join(parent, `.${base}.prev-${path.basename(staging).slice(-6)}`);
  try {
    for (const relative of [...files.keys()].sort()) {
      const target = safeJoin(staging, relative);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, files.get(relative)!, { mode: 0o644 });
    }
    const hadPrevious = fs.existsSync(dir);
    if (hadPrevious) fs.renameSync(dir, previous);
    try {
      fs.renameSync(staging, dir);
    } catch (error) {
      if (hadPrevious) fs.renameSync(previous, dir);
      throw error;
    }
    if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Reads every file below `dir` (empty when it does not exist). */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(dir)) return files;
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else files.set(child, fs.readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  walk('');
  return files;
}

export interface TreeDifference {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/** How `actual` (on disk) differs from `expected` (freshly generated). */
export function compareTrees(expected: FileTree, actual: FileTree): TreeDifference {
  const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
  return {
    added: sorted([...expected.keys()].filter((p) => !actual.has(p))),
    removed: sorted([...actual.keys()].filter((p) => !expected.has(p))),
    changed: sorted([...expected.keys()].filter((p) => actual.has(p) && actual.get(p) !== expected.get(p))),
  };
}

export function isSameTree(difference: TreeDifference): boolean {
  return difference.added.length + difference.removed.length + difference.changed.length === 0;
}

/** Joins a generated relative path under `root`, refusing anything that would escape it. */
function safeJoin(root: string, relative: string): string {
  const target = path.resolve(root, relative);
  if (!target.startsWith(path.resolve(root) + path.sep)) throw new Error(`Refusing to write outside the output directory: ${JSON.stringify(relative)}`);
  return target;
}
