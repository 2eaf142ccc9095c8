/**
 * Loads a TypeScript entry (a command of src/cli/, a bench program) as one bundled script,
 * built only when its inputs changed and run through V8's code cache.
 *
 * The build: esbuild bundles the entry with its dependencies (transpile only: `npm run
 * typecheck` checks types), one copy per package version, external source map. It lives in a
 * content-addressed cache: the key hashes every source file the bundle was made of (with the
 * listing of each directory holding one, so a new file that would change how an import
 * resolves counts too), the package.json of every bundled package, both lockfiles, tsconfig,
 * this file, the Node version and platform. A run re-hashes the inputs of the builds it knows
 * for the entry and uses the first whose key still matches; anything else builds afresh. A
 * stale build is never served: a change to any input changes the key.
 *
 * The cache is `.build/bundles/` beside the node_modules the bundles were built against (its
 * real path), so checkouts that borrow node_modules share it: the diff's base checkout and
 * the bench's worktree find their builds there. Source maps are read only to print an
 * unexpected error's stack (see mapStack), never on the way in.
 */
'use strict';
const fs = require('node:fs');
const { createRequire, SourceMap } = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/**
 * Packages loaded from node_modules at run time instead of bundled: ones that find their own
 * files or plugins at run time (Pulumi's SDK and providers), and TypeScript (one 9 MB file
 * already: bundling it costs seconds per build and saves nothing).
 */
const EXTERNAL = ['@pulumi/*', 'typescript'];

/** Builds of one entry remembered (newest first): enough for a branch, its base and the bench. */
const REMEMBERED_BUILDS = 12;

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.json': 'json' };

/** Where the bundles live: `.build/bundles` beside the real node_modules, else in `root`. */
function cacheDir(root) {
  let modules;
  try {
    modules = fs.realpathSync(path.join(root, 'node_modules'));
  } catch {
    return path.join(root, '.build', 'bundles');
  }
  return path.join(path.dirname(modules), '.build', 'bundles');
}

function readOrUndefined(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function listing(dir) {
  try {
    return fs.readdirSync(dir).sort().join('/');
  } catch {
    return '\0absent';
  }
}

/** Node and platform: part of every key (a bundle targets one Node; a code cache one V8). */
const runtime = () => `node ${process.version} ${process.platform} ${process.arch}`;

/** Files of `root` every build depends on besides its own inputs (this file is `scripts/bundle.js`). */
const ENVIRONMENT_FILES = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'tsconfig.json'];

/**
 * Reads a checkout's files for a key. With `signatures`, it also notes each path's stat
 * signature, taken before and after the read (a path that changed meanwhile is noted as
 * unstable), so a later run can tell the paths are untouched without reading them.
 */
function reader(root, signatures) {
  const tracked = (relative, absolute, read) => {
    if (signatures === undefined) return read(absolute);
    const before = signature(absolute);
    const value = read(absolute);
    signatures.set(relative, before === signature(absolute) ? before : null);
    return value;
  };
  return {
    file: (relative, absolute = path.join(root, relative)) => tracked(relative, absolute, readOrUndefined),
    dir: (relative) => tracked(`${relative}/`, path.join(root, relative), listing),
  };
}

/**
 * The key of a build of `root` from `record` (its sources, their directories, its packages).
 * `content` supplies a source's bytes (while building: exactly what esbuild was given).
 */
function buildKey(root, record, read = reader(root), content = read.file) {
  const hash = require('node:crypto').createHash('sha256');
  const add = (name, value) => {
    hash.update(`${name}\0${value === undefined ? 0 : value.length}\0`);
    if (value !== undefined) hash.update(value);
  };
  add('env', runtime());
  add('scripts/bundle.js', read.file('scripts/bundle.js', __filename));
  for (const file of ENVIRONMENT_FILES) add(file, read.file(file));
  add('entry', record.entry);
  for (const file of record.sources) add(file, content(file));
  for (const dir of record.directories) add(`${dir}/`, read.dir(dir));
  for (const pkg of record.packages) add(`${pkg}/package.json`, read.file(`${pkg}/package.json`));
  return hash.digest('hex').slice(0, 32);
}

/**
 * A path's stat signature: inode, size, and modification and change times in nanoseconds.
 * Writing a file changes its ctime (no tool can set it back) and adding or removing a
 * directory entry changes the directory's, so an equal signature means an untouched path,
 * except within one tick of the file system's coarse clock: see UNTRUSTED_WINDOW_MS.
 */
function signature(file) {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return stat === undefined ? 'absent' : `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

/**
 * Signatures are only trusted for paths last changed this long before they were taken (like
 * git's "racily clean" entries): a second write within one clock tick of the first could leave
 * the signature as it was. Such paths are hashed again on the next run.
 */
const settings = { untrustedWindowMs: 2000 };

function newestChangeMs(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat === undefined ? 0 : Math.max(stat.mtimeMs, stat.ctimeMs);
}

/** `<stem>.<checkout>.stats.json`: the signatures that proved a key for this checkout. */
function statsFile(dir, stem, root) {
  let h = 2166136261;
  for (let i = 0; i < root.length; i++) h = Math.imul(h ^ root.charCodeAt(i), 16777619) >>> 0;
  return path.join(dir, `${stem}.${h.toString(16).padStart(8, '0')}.stats.json`);
}

/** Records the signatures that proved `key` in `root`, when every one of them can be trusted. */
function writeStats(file, root, key, signatures, takenMs) {
  const entries = [...signatures];
  if (entries.some(([, sig]) => sig === null)) return;
  const absolute = (relative) => (relative === 'scripts/bundle.js' ? __filename : path.join(root, relative));
  if (entries.some(([relative]) => newestChangeMs(absolute(relative)) > takenMs - settings.untrustedWindowMs)) return;
  try {
    writeAtomically(file, JSON.stringify({ root, runtime: runtime(), key, signatures: Object.fromEntries(entries) }));
  } catch {
    // Only speed is lost.
  }
}

/** Whether the paths that proved the stats' key are all untouched since. */
function unchanged(root, stats) {
  if (stats === undefined || stats.root !== root || stats.runtime !== runtime()) return false;
  for (const [relative, sig] of Object.entries(stats.signatures)) {
    const absolute = relative === 'scripts/bundle.js' ? __filename : path.join(root, relative.endsWith('/') ? relative.slice(0, -1) : relative);
    if (signature(absolute) !== sig) return false;
  }
  return true;
}

function writeAtomically(file, content) {
  const temporary = `${file}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

/** The cache's file names for one entry. */
function cacheFiles(dir, entry) {
  const stem = entry.replace(/\.[cm]?[jt]sx?$/, '').replace(/[^A-Za-z0-9_-]+/g, '_');
  return {
    index: path.join(dir, `${stem}.builds.json`),
    bundle: (key) => path.join(dir, `${stem}-${key}.js`),
    stem,
  };
}

function readIndex(file) {
  try {
    const builds = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(builds) ? builds : [];
  } catch {
    return [];
  }
}

/** The package directory (relative to `root`) of a node_modules path, e.g. node_modules/@a/b. */
function packageDir(relative) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(relative);
  return match === null ? undefined : match[1];
}

/** Builds `entry` of `root` and returns its record (what the key covers). */
async function build(root, entry, dir) {
  const esbuild = require('esbuild');
  const sources = new Map();
  const canonical = new Map();
  // Every package whose manifest decided where an import goes, bundled or not.
  const consulted = new Set();
  const toRoot = (file) => path.relative(root, file).split(path.sep).join('/');
  // Packages are named through this checkout's node_modules (which may be a symlink), so a
  // checkout borrowing the same node_modules computes the same key.
  let modules;
  try {
    modules = fs.realpathSync(path.join(root, 'node_modules'));
  } catch {
    modules = path.join(root, 'node_modules');
  }
  const toPackage = (dir) => (dir.startsWith(`${modules}${path.sep}`) ? `node_modules/${path.relative(modules, dir).split(path.sep).join('/')}` : toRoot(dir));
  /** The top-level copy of the package in `dir` when that is another directory of the same name and version. */
  const hoistedCopy = (dir) => {
    if (!canonical.has(dir)) {
      const manifest = (d) => {
        const text = readOrUndefined(path.join(d, 'package.json'));
        return text === undefined ? undefined : JSON.parse(text.toString('utf8'));
      };
      consulted.add(dir);
      const own = manifest(dir);
      const top = own?.name === undefined ? undefined : path.join(modules, ...own.name.split('/'));
      if (top !== undefined) consulted.add(top);
      const other = top === undefined || top === dir ? undefined : manifest(top);
      // A nested copy with dependencies of its own stays: they could differ from the top's.
      const same = other !== undefined && other.name === own.name && other.version === own.version && !fs.existsSync(path.join(dir, 'node_modules'));
      canonical.set(dir, same ? top : undefined);
    }
    return canonical.get(dir);
  };
  const plugin = {
    name: 'inputs-and-one-copy',
    setup(b) {
      // One copy per package version: a nested copy (cdk8s bundles its own `yaml`) of the
      // release hoisted at the top of node_modules resolves to the hoisted one.
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
        const result = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (result.errors.length > 0 || result.external || !path.isAbsolute(result.path)) return result;
        const pkg = packageDir(result.path.split(path.sep).join('/'));
        if (pkg === undefined) return result;
        const hoisted = hoistedCopy(pkg);
        return hoisted === undefined ? result : { ...result, path: path.join(hoisted, path.relative(pkg, result.path)) };
      });
      // The key covers exactly the bytes esbuild compiled (an edit during the build cannot slip in).
      b.onLoad({ filter: /.*/ }, (args) => {
        const loader = LOADERS[path.extname(args.path)];
        if (loader === undefined || args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const contents = fs.readFileSync(args.path);
        sources.set(toRoot(args.path), contents);
        return { contents, loader };
      });
    },
  };
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, entry)],
    outfile: path.join(dir, 'bundle.js'),
    bundle: true,
    write: false,
    platform: 'node',
    // ES2020 syntax too: Pulumi serializes a dynamic provider's code (src/pulumi/policy-provider.ts)
    // by parsing its source with a TypeScript that predates `??=` and class fields.
    target: [`node${process.versions.node.split('.')[0]}`, 'es2020'],
    format: 'cjs',
    // ESM builds first: they tree-shake, and some packages' CommonJS builds are UMD wrappers
    // that hide their requires from the bundler (jsonc-parser).
    mainFields: ['module', 'main'],
    external: EXTERNAL,
    sourcemap: 'external',
    sourcesContent: false,
    // Whitespace kept: Pulumi serializes the dynamic policy provider's code from its source text
    // and recognises a class only by a leading "class " (runtime/closure/parseFunction.js).
    minifyWhitespace: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [plugin],
  });
  // Warnings are printed located, as errors are (scripts/report-failure.js formats a failed build).
  if (result.warnings.length > 0) console.error(`${entry}: warning:\n${require('./report-failure').formatMessages(result.warnings, root)}`);
  const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(root, f));
  const record = {
    entry,
    sources: [...sources.keys()].sort(),
    directories: [...new Set([...sources.keys()].map((f) => path.posix.dirname(f)))].sort(),
    packages: [...new Set([...inputs.map((f) => packageDir(f.split(path.sep).join('/'))).filter((p) => p !== undefined), ...consulted].map(toPackage))].sort(),
  };
  // Inputs esbuild read without the plugin (another loader, e.g. a text file) are hashed as they are now.
  for (const file of inputs.map(toRoot)) if (packageDir(file) === undefined && !sources.has(file)) record.sources.push(file);
  record.sources.sort();
  const read = reader(root);
  record.key = buildKey(root, record, read, (file) => sources.get(file) ?? read.file(file));

  const files = cacheFiles(dir, entry);
  fs.mkdirSync(dir, { recursive: true });
  const bundleFile = files.bundle(record.key);
  for (const output of result.outputFiles) {
    if (output.path.endsWith('.map')) {
      // Sources relative to the project root, so every checkout sharing the cache maps to its own files.
      const map = JSON.parse(output.text);
      map.sources = map.sources.map((s) => toRoot(path.resolve(dir, s)));
      writeAtomically(`${bundleFile}.map`, JSON.stringify(map));
    } else {
      writeAtomically(bundleFile, output.contents);
      // esbuild escapes non-ASCII characters in code; then the bundle reads faster as latin1.
      record.ascii = !output.contents.some((byte) => byte > 0x7f);
    }
  }
  const builds = [record, ...readIndex(files.index).filter((r) => r.key !== record.key)].slice(0, REMEMBERED_BUILDS);
  writeAtomically(files.index, JSON.stringify(builds));
  prune(dir, files.stem, new Set(builds.map((r) => r.key)));
  return record;
}

/** Deletes this entry's bundles that no remembered build refers to. */
function prune(dir, stem, keep) {
  const own = new RegExp(`^${stem}-([0-9a-f]{32})[.-]`);
  for (const name of fs.readdirSync(dir)) {
    const match = own.exec(name);
    if (match !== null && !keep.has(match[1])) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * A remembered build of `entry` whose key still matches the files of `root`, if any: at once
 * when the paths that proved it last time are untouched, else by hashing their content.
 */
function findBuild(root, entry, dir) {
  const files = cacheFiles(dir, entry);
  const builds = readIndex(files.index);
  const stats = statsFile(dir, files.stem, root);
  let proven;
  try {
    proven = JSON.parse(fs.readFileSync(stats, 'utf8'));
  } catch {
    proven = undefined;
  }
  const fast = proven === undefined ? undefined : builds.find((r) => r.key === proven.key && r.entry === entry);
  if (fast !== undefined && fs.existsSync(files.bundle(fast.key)) && unchanged(root, proven)) return fast;
  for (const record of builds) {
    if (record.entry !== entry || !fs.existsSync(files.bundle(record.key))) continue;
    const signatures = new Map();
    const takenMs = Date.now();
    if (buildKey(root, record, reader(root, signatures)) === record.key) {
      writeStats(stats, root, record.key, signatures, takenMs);
      return record;
    }
  }
  return undefined;
}

/** V8 code caches depend on the V8 flags: one file per flag set. */
function codeCacheFile(bundleFile) {
  const text = `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  const flags = h.toString(16).padStart(8, '0');
  return `${bundleFile.slice(0, -'.js'.length)}-${flags}.v8`;
}

/**
 * Loads `entry` (a path relative to `root`) and returns its exports with two hooks:
 * `saveCodeCache()` (call when the work is done, so the cache holds what ran) and
 * `mapStack(text)` (stack frames of the bundle → TypeScript source lines).
 */
async function load(root, entry) {
  const dir = cacheDir(root);
  let record = findBuild(root, entry, dir);
  const built = record === undefined;
  if (record === undefined) record = await build(root, entry, dir);
  const bundleFile = cacheFiles(dir, entry).bundle(record.key);
  // For ASCII, latin1 and UTF-8 read the same string; latin1 skips decoding.
  const source = fs.readFileSync(bundleFile, record.ascii === true ? 'latin1' : 'utf8');
  const cacheFile = codeCacheFile(bundleFile);
  const cachedData = readOrUndefined(cacheFile);
  // The wrapper on a line of its own (lineOffset -1), so stack lines are the bundle's lines.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, { filename: bundleFile, lineOffset: -1, cachedData });
  // The bundle behaves as if it were `.build/<entry>.js` of this checkout: `__dirname` finds
  // the repository, `require` resolves the external packages from its node_modules.
  const filename = path.join(root, '.build', `${cacheFiles(dir, entry).stem}.js`);
  const module = { exports: {}, filename, id: filename, loaded: false };
  let sourceMap;
  const mapStack = (text) => {
    if (typeof text !== 'string' || !text.includes(bundleFile)) return text;
    try {
      sourceMap ??= new SourceMap(JSON.parse(fs.readFileSync(`${bundleFile}.map`, 'utf8')));
    } catch {
      return text;
    }
    const escaped = bundleFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'), (frame, line, column) => {
      const found = sourceMap.findEntry(Number(line) - 1, Number(column) - 1);
      if (found === undefined || found.originalSource === undefined) return frame;
      return `${path.join(root, found.originalSource)}:${found.originalLine + 1}:${found.originalColumn + 1}`;
    });
  };
  try {
    script.runInThisContext()(module.exports, createRequire(filename), module, filename, path.dirname(filename));
  } catch (error) {
    // A module that throws as it loads (an environment file with an unquoted value): its stack
    // points at the TypeScript line, so scripts/report-failure.js can locate it.
    for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) e.stack = mapStack(e.stack);
    throw error;
  }
  module.loaded = true;
  return {
    exports: module.exports,
    built,
    saveCodeCache() {
      if (cachedData !== undefined && script.cachedDataRejected !== true) return;
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // Only speed is lost.
      }
    },
    mapStack,
  };
}

module.exports = { load, buildKey, cacheDir, settings, EXTERNAL };
