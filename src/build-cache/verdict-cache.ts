/**
 * Verdicts of pure validators (a CEL rule on a value, a schema on an object) kept on disk
 * beside the compiled CRD validators, so a warm run whose objects did not change never loads
 * the libraries that give them (each takes a sixth of `npm run synth` to load). Keys hash
 * everything the verdict depends on, the library's version included (in the file name). It
 * only ever saves time: an unreadable or unwritable cache is simply not used.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomically } from './files';

const MAX_ENTRIES = 2000;

export interface VerdictCache<T> {
  readonly get: (key: string) => T | undefined;
  readonly set: (key: string, value: T) => void;
  /** Writes new verdicts (when there is a directory and anything was set). */
  readonly flush: () => void;
}

/** JSON with BigInts (CEL ints) kept distinct from numbers. */
export const stableJson = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? { $int: v.toString() } : v));

export const verdictKey = (value: unknown): string => createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 32);

/** The version of an installed package (read from its package.json beside its entry point). */
export function packageVersion(name: string): string {
  // The package's own directory on the resolution paths, not `require.resolve(name)`: resolving
  // through a package's `exports` loads Node's ESM resolver, 5 ms of every run.
  for (const dir of require.resolve.paths(name) ?? []) {
    const manifest = path.join(dir, name, 'package.json');
    if (fs.existsSync(manifest)) return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  throw new Error(`The package ${name} is not installed; run \`npm ci\`.`);
}

/** A cache in `dir/name.json`, or one that remembers nothing when `dir` is undefined. */
export function verdictCache<T>(dir: string | undefined, name: string): VerdictCache<T> {
  const file = dir === undefined ? undefined : path.join(dir, `${name}.json`);
  let stored: Record<string, T> | undefined;
  const used: Record<string, T> = {};
  let dirty = false;
  const load = (): Record<string, T> => {
    if (stored !== undefined) return stored;
    try {
      const parsed: unknown = file === undefined ? {} : JSON.parse(fs.readFileSync(file, 'utf8'));
      // Anything but an object (a truncated or foreign file) is an empty cache.
      stored = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, T> : {};
    } catch {
      stored = {};
    }
    return stored;
  };
  return {
    get: (key) => {
      const value = load()[key];
      if (value !== undefined) used[key] = value;
      return value;
    },
    set: (key, value) => {
      used[key] = value;
      dirty = true;
    },
    flush: () => {
      if (!dirty || file === undefined || dir === undefined) return;
      try {
        fs.mkdirSync(dir, { recursive: true });
        const merged = { ...load(), ...used };
        // Verdicts of values long gone only take room: past a bound, keep this run's.
        writeAtomically(file, JSON.stringify(Object.keys(merged).length > MAX_ENTRIES ? used : merged));
        stored = merged;
        dirty = false;
      } catch {
        // Only speed is lost.
      }
    },
  };
}
