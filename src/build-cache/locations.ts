/**
 * Where the repository is, and where the caches that only ever save time live: `.build/`
 * beside the node_modules in use (its real path, as scripts/bundle.js does for the command
 * bundles), ignored by git. A checkout that borrows node_modules (the diff's base, the
 * bench's worktree) shares them; entries are keyed by content, so sharing is safe.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest directory above this module holding package.json. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}; run the command inside the repository.`);
  }
}

/**
 * `.build/<name>` beside the real node_modules of the repository (or in it, without
 * node_modules); undefined for code running outside any repository (a bundle copied
 * elsewhere, as the e2e's fixture is), which then caches nothing.
 */
export function buildCacheDir(name: string, from: string = __dirname): string | undefined {
  let root: string;
  try {
    root = repoRoot(from);
  } catch {
    return undefined;
  }
  let modules: string;
  try {
    modules = fs.realpathSync(path.join(root, 'node_modules'));
  } catch {
    return path.join(root, '.build', name);
  }
  return path.join(path.dirname(modules), '.build', name);
}

