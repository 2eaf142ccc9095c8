/**
 * A cache of compiled CRD validators. The CloudNativePG Pooler CRD is 650 kB of YAML embedding
 * a whole PodTemplateSpec: parsing and compiling it takes longer than all the rest of
 * `npm run synth`. An entry holds ajv's standalone code (plus V8's code cache of it), keyed by
 * the file's content, the schema conversion's version and ajv's: a warm run loads validators
 * in about 30 ms, and a changed file is simply compiled again. It only ever saves time: an
 * unreadable or unwritable cache falls back to compiling.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { ValidateFunction } from 'ajv';
import { type CrdDescription, compileCrdFile } from './compile-crds';
import { STRUCTURAL_CONVERSION_VERSION } from './structural-schema';

// Standalone validators require ajv's runtime helpers; they resolve from this project.
const runtimeRequire = createRequire(__filename);
const AJV_VERSION = (runtimeRequire('ajv/package.json') as { version: string }).version;

export interface LoadedCrdFile {
  readonly crds: readonly CrdDescription[];
  /** The file's validators by export name, loaded on first use. */
  readonly validators: () => Readonly<Record<string, ValidateFunction>>;
}

interface CacheEntry {
  readonly crds: readonly CrdDescription[];
  readonly code: string;
}

function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
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
    if (!id.startsWith('ajv/dist/runtime/')) throw new Error(`A cached CRD validator requires "${id}", which ajv's standalone code never does; delete ${path.dirname(codeCacheFile)}.`);
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

/** The CRDs of one file and their validators: from the cache when it holds this content, else compiled (and cached). */
export function loadCrdFile(text: string, file: string, cacheDir: string | undefined): LoadedCrdFile {
  if (cacheDir === undefined) {
    const compiled = compileCrdFile(text, file);
    return { crds: compiled.crds, validators: () => compiled.validators };
  }
  const hash = createHash('sha256').update(`${STRUCTURAL_CONVERSION_VERSION}\0${AJV_VERSION}\0${text}`).digest('hex').slice(0, 32);
  const stem = file.replace(/[^A-Za-z0-9._-]/g, '_');
  const entryFile = path.join(cacheDir, `${stem}.${hash}.json`);
  const codeCacheFile = path.join(cacheDir, `${stem}.${hash}.v8`);
  const entry = readCached(entryFile, (f) => JSON.parse(fs.readFileSync(f, 'utf8')) as CacheEntry);
  if (entry !== undefined) {
    let validators: Record<string, ValidateFunction> | undefined;
    return { crds: entry.crds, validators: () => (validators ??= loadValidators(entry.code, codeCacheFile)) };
  }
  const compiled = compileCrdFile(text, file);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Entries of this file's earlier contents are dead: drop them.
    const earlier = new RegExp(`^${stem.replace(/[.]/g, '\\.')}\\.[0-9a-f]{32}\\.(json|v8)$`);
    for (const old of fs.readdirSync(cacheDir)) if (earlier.test(old)) fs.rmSync(path.join(cacheDir, old), { force: true });
    writeAtomically(entryFile, JSON.stringify({ crds: compiled.crds, code: compiled.standalone() } satisfies CacheEntry));
  } catch {
    // Only speed is lost.
  }
  return { crds: compiled.crds, validators: () => compiled.validators };
}
