/**
 * Ajv validators kept on disk as standalone code (plus V8's code cache of it), keyed by
 * everything they were compiled from. Compiling a schema is ajv generating and optimising
 * JavaScript: for the environment schema alone that was a quarter of `npm run synth`, and the
 * CloudNativePG Pooler CRD (650 kB of YAML) takes longer than all the rest. A warm run loads
 * the code in a few milliseconds and never loads ajv's compiler. It only ever saves time: an
 * unreadable or unwritable cache falls back to compiling, and a changed input has another key.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { ValidateFunction } from 'ajv';
import { writeAtomically } from './files';

// Standalone validators require ajv's runtime helpers; they resolve from this project.
const runtimeRequire = createRequire(__filename);
export const AJV_VERSION = (runtimeRequire('ajv/package.json') as { version: string }).version;

/** What a compilation gives: its validators, the same as one CommonJS module, and what it learnt besides (cached as JSON). */
export interface Compiled<M> {
  readonly meta: M;
  readonly validators: Readonly<Record<string, ValidateFunction>>;
  readonly standalone: () => string;
}

export interface CachedValidators<M> {
  /** A hash of everything the validators are compiled from: a verdict of theirs can be cached under it. */
  readonly id: string;
  readonly meta: M;
  /** The validators by export name, loaded on first use. */
  readonly validators: () => Readonly<Record<string, ValidateFunction>>;
}

/**
 * The layout of an entry (meta `.json` beside code `.js`). Part of every key: checkouts of
 * other commits share the cache (the diff's base, the bench's worktree), and one that reads
 * another layout under the same name would break.
 */
const ENTRY_FORMAT = 2;

const contentHash = (key: string): string => createHash('sha256').update(`${ENTRY_FORMAT}\0${AJV_VERSION}\0${key}`).digest('hex').slice(0, 32);

/** Entries of one stem kept besides the newest: a branch, its diff base and the bench compile different contents. */
const KEPT_ENTRIES = 4;

/** V8 code caches depend on the V8 flags (as scripts/bundle.js keys its own): one file per flag set. */
function v8Flags(): string {
  const text = `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** A cache file's content, or undefined when it is absent or unreadable (e.g. removed by a concurrent run). */
function readCached<T>(file: string, read: (file: string) => T): T | undefined {
  try {
    return read(file);
  } catch {
    return undefined;
  }
}

/** Runs cached standalone code, through V8's code cache when there is a valid one (and writes one when not). */
function loadValidators(code: string, codeCacheFile: string): Record<string, ValidateFunction> {
  const cachedData = readCached(codeCacheFile, (f) => fs.readFileSync(f));
  const script = new vm.Script(`(function (module, exports, require) {${code}\n})`, { filename: path.basename(codeCacheFile, '.v8'), cachedData });
  const module = { exports: {} as Record<string, ValidateFunction> };
  (script.runInThisContext() as (m: object, e: object, r: (id: string) => unknown) => void)(module, module.exports, (id) => {
    if (!id.startsWith('ajv/dist/runtime/')) throw new Error(`A cached validator requires "${id}", which ajv's standalone code never does; delete ${path.dirname(codeCacheFile)}.`);
    return runtimeRequire(id);
  });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    // V8 compiles a function on its first call: call each once so the code cache holds them compiled.
    for (const validate of Object.values(module.exports)) validate({});
    try {
      writeAtomically(codeCacheFile, script.createCachedData());
    } catch {
      // Only speed is lost.
    }
  }
  return module.exports;
}

/** Drops the entries of `stem` beyond the {@link KEPT_ENTRIES} most recently written (by their meta file). */
function pruneEntries(cacheDir: string, stem: string): void {
  const own = new RegExp(`^${stem.replace(/[.]/g, '\\.')}\\.([0-9a-f]{32})(?:-[0-9a-f]{8})?\\.(?:json|js|v8)$`);
  const files = fs.readdirSync(cacheDir).filter((name) => own.test(name));
  const written = new Map<string, number>();
  for (const name of files) {
    const hash = own.exec(name)![1]!;
    if (name.endsWith('.json')) written.set(hash, fs.statSync(path.join(cacheDir, name)).mtimeMs);
    else if (!written.has(hash)) written.set(hash, 0);
  }
  const kept = new Set([...written].sort((a, b) => b[1] - a[1]).slice(0, KEPT_ENTRIES).map(([hash]) => hash));
  for (const name of files) if (!kept.has(own.exec(name)![1]!)) fs.rmSync(path.join(cacheDir, name), { force: true });
}

/**
 * The validators compiled from `key` (the text of everything `compile` reads, versions
 * included): from `cacheDir` when it holds them, else compiled and cached there as
 * `<stem>.<hash>.{json,js}` (beyond a few, the oldest entries of the same stem are dropped). Without a directory,
 * compiled in memory.
 */
export function cachedValidators<M>(cacheDir: string | undefined, stem: string, key: string, compile: () => Compiled<M>): CachedValidators<M> {
  if (cacheDir === undefined) {
    const compiled = compile();
    return { id: contentHash(key), meta: compiled.meta, validators: () => compiled.validators };
  }
  const hash = contentHash(key);
  const safeStem = stem.replace(/[^A-Za-z0-9._-]/g, '_');
  // What the compilation learnt, and its code apart: a run whose verdicts are all cached reads only the first.
  const metaFile = path.join(cacheDir, `${safeStem}.${hash}.json`);
  const codeFile = path.join(cacheDir, `${safeStem}.${hash}.js`);
  const codeCacheFile = path.join(cacheDir, `${safeStem}.${hash}-${v8Flags()}.v8`);
  const meta = readCached(metaFile, (f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { meta: M });
  if (meta !== undefined && fs.existsSync(codeFile)) {
    let validators: Record<string, ValidateFunction> | undefined;
    return {
      id: hash,
      meta: meta.meta,
      validators: () => {
        if (validators !== undefined) return validators;
        const code = readCached(codeFile, (f) => fs.readFileSync(f, 'utf8'));
        validators = code === undefined ? { ...compile().validators } : loadValidators(code, codeCacheFile);
        return validators;
      },
    };
  }
  const compiled = compile();
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    pruneEntries(cacheDir, safeStem);
    // The code first: an entry whose meta is there has its code.
    writeAtomically(codeFile, compiled.standalone());
    writeAtomically(metaFile, JSON.stringify({ meta: compiled.meta }));
  } catch {
    // Only speed is lost.
  }
  return { id: hash, meta: compiled.meta, validators: () => compiled.validators };
}
