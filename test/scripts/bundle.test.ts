import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Loaded {
  readonly exports: { main: (argv: readonly string[]) => unknown };
  readonly built: boolean;
  saveCodeCache(): void;
  mapStack(text: string | undefined): string | undefined;
}
interface BundleModule {
  load(root: string, entry: string): Promise<Loaded>;
  cacheDir(root: string): string;
  settings: { untrustedWindowMs: number };
}
// Plain JavaScript (it runs before anything is compiled), so required rather than imported.
const bundle = require('../../scripts/bundle') as BundleModule;

const ENTRY = 'src/cli/hello.ts';

/** A tiny project: an entry importing a module, a JavaScript module and a package. */
function project(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
  const files: Record<string, string> = {
    'package.json': '{ "name": "tiny", "private": true }\n',
    'package-lock.json': '{ "lockfileVersion": 3 }\n',
    [ENTRY]: [
      "import { message } from '../lib/message';",
      "import { other } from '../lib/other';",
      "import { version } from 'tiny-dependency';",
      'export function main(argv: readonly string[]): string {',
      "  if (argv[0] === 'throw') throw new Error('boom');",
      '  return `${message} ${other} ${version}`;',
      '}',
      '',
    ].join('\n'),
    'src/lib/message.ts': "export const message: string = 'one';\n",
    'src/lib/other.js': "exports.other = 'js';\n",
    'node_modules/tiny-dependency/package.json': '{ "name": "tiny-dependency", "version": "1.0.0", "main": "index.js" }\n',
    'node_modules/tiny-dependency/index.js': "exports.version = 'v1';\n",
    'node_modules/.package-lock.json': '{ "packages": { "node_modules/tiny-dependency": { "version": "1.0.0" } } }\n',
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

async function run(root: string, argv: string[] = []): Promise<{ output: unknown; built: boolean }> {
  const loaded = await bundle.load(root, ENTRY);
  const output = loaded.exports.main(argv);
  loaded.saveCodeCache();
  return { output, built: loaded.built };
}

const edit = (root: string, file: string, content: string): void => fs.writeFileSync(path.join(root, file), content);

describe('the command bundle cache (scripts/bundle.js)', () => {
  let root: string;
  beforeEach(() => { root = project(); });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('builds once, then serves the build (with a V8 code cache) while nothing changed', async () => {
    expect(await run(root)).toEqual({ output: 'one js v1', built: true });
    expect(await run(root)).toEqual({ output: 'one js v1', built: false });
    const cached = fs.readdirSync(bundle.cacheDir(root));
    expect(cached.filter((f) => f.endsWith('.v8'))).toHaveLength(1);
    expect(cached.filter((f) => f.endsWith('.js'))).toHaveLength(1);
  });

  test('never serves a stale build: a changed source rebuilds; changed back, the earlier build is served again', async () => {
    await run(root);
    edit(root, 'src/lib/message.ts', "export const message: string = 'two';\n");
    expect(await run(root)).toEqual({ output: 'two js v1', built: true });
    edit(root, 'src/lib/other.js', "exports.other = 'JS';\n");
    expect(await run(root)).toEqual({ output: 'two JS v1', built: true });
    edit(root, 'src/lib/message.ts', "export const message: string = 'one';\n");
    edit(root, 'src/lib/other.js', "exports.other = 'js';\n");
    expect(await run(root)).toEqual({ output: 'one js v1', built: false });
  });

  test('rebuilds when a new file changes what an import resolves to', async () => {
    await run(root);
    // `../lib/other` now resolves to other.ts, which comes before other.js.
    edit(root, 'src/lib/other.ts', "export const other: string = 'ts';\n");
    expect(await run(root)).toEqual({ output: 'one ts v1', built: true });
  });

  test('rebuilds when a dependency, a lockfile, tsconfig or the Node version changes', async () => {
    await run(root);
    edit(root, 'node_modules/tiny-dependency/index.js', "exports.version = 'v2';\n");
    edit(root, 'node_modules/tiny-dependency/package.json', '{ "name": "tiny-dependency", "version": "2.0.0", "main": "index.js" }\n');
    expect(await run(root)).toEqual({ output: 'one js v2', built: true });
    for (const file of ['package-lock.json', 'node_modules/.package-lock.json', 'tsconfig.json', 'package.json']) {
      edit(root, file, `{ "changed": ${JSON.stringify(file)} }\n`);
      expect({ file, ...(await run(root)) }).toEqual({ file, output: 'one js v2', built: true });
    }
    const version = process.version;
    try {
      Object.defineProperty(process, 'version', { value: 'v99.0.0', configurable: true });
      expect(await run(root)).toEqual({ output: 'one js v2', built: true });
    } finally {
      Object.defineProperty(process, 'version', { value: version, configurable: true });
    }
    expect(await run(root)).toEqual({ output: 'one js v2', built: false });
  });

  test('rebuilds when its cache index is unreadable, and serves concurrent runs', async () => {
    await run(root);
    for (const file of fs.readdirSync(bundle.cacheDir(root)).filter((f) => f.endsWith('.json'))) fs.writeFileSync(path.join(bundle.cacheDir(root), file), '{ not json');
    expect(await run(root)).toEqual({ output: 'one js v1', built: true });
    edit(root, 'src/lib/message.ts', "export const message: string = 'three';\n");
    const results = await Promise.all([run(root), run(root), run(root)]);
    expect(results.map((r) => r.output)).toEqual(['three js v1', 'three js v1', 'three js v1']);
  });

  test('a checkout borrowing node_modules (a symlink) shares the builds, in both directions', async () => {
    // At different depths, so a path relative to the checkout would name different places.
    const borrower = (depth: number): string => {
      const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-borrower-')), ...Array.from({ length: depth }, (_, i) => `level-${i}`));
      for (const entry of ['src', 'package.json', 'package-lock.json']) fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
      return copy;
    };
    const first = borrower(1);
    const second = borrower(3);
    try {
      expect(bundle.cacheDir(first)).toBe(bundle.cacheDir(root));
      expect(await run(first)).toEqual({ output: 'one js v1', built: true });
      expect(await run(root)).toEqual({ output: 'one js v1', built: false });
      expect(await run(second)).toEqual({ output: 'one js v1', built: false });
      edit(second, 'src/lib/message.ts', "export const message: string = 'own';\n");
      expect(await run(second)).toEqual({ output: 'own js v1', built: true });
      expect(await run(root)).toEqual({ output: 'one js v1', built: false });
    } finally {
      for (const dir of [first, second]) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('after one run proved a build, the next ones check stat signatures instead of reading', () => {
    const window = bundle.settings.untrustedWindowMs;
    afterEach(() => { bundle.settings.untrustedWindowMs = window; });
    const statsFiles = (): string[] => fs.readdirSync(bundle.cacheDir(root)).filter((f) => f.endsWith('.stats.json'));
    /** How many times a run reads the entry's source file. */
    async function readsOfSource(): Promise<{ reads: number; result: { output: unknown; built: boolean } }> {
      const realFs = require('node:fs') as typeof fs;
      const spy = jest.spyOn(realFs, 'readFileSync');
      try {
        const result = await run(root);
        return { reads: spy.mock.calls.filter(([file]) => String(file) === path.join(root, 'src/lib/message.ts')).length, result };
      } finally {
        spy.mockRestore();
      }
    }

    test('paths changed within the untrusted window are hashed again, and no signatures are kept', async () => {
      await run(root);
      await run(root);
      expect(statsFiles()).toEqual([]);
      expect((await readsOfSource()).reads).toBe(1);
    });

    test('untouched paths are not read; any edit, even of the same size, or a new file, is seen', async () => {
      bundle.settings.untrustedWindowMs = 0;
      await run(root);
      expect((await readsOfSource()).reads).toBe(1);
      expect(statsFiles()).toHaveLength(1);
      expect(await readsOfSource()).toEqual({ reads: 0, result: { output: 'one js v1', built: false } });
      edit(root, 'src/lib/message.ts', "export const message: string = 'eno';\n");
      expect(await run(root)).toEqual({ output: 'eno js v1', built: true });
      await run(root);
      expect((await readsOfSource()).reads).toBe(0);
      edit(root, 'src/lib/other.ts', "export const other: string = 'ts';\n");
      expect(await run(root)).toEqual({ output: 'eno ts v1', built: true });
      edit(root, 'node_modules/.package-lock.json', '{ "changed": true }\n');
      expect(await run(root)).toEqual({ output: 'eno ts v1', built: true });
    });
  });

  test('bundles one copy of a package version that is installed twice', async () => {
    const files: Record<string, string> = {
      'node_modules/shared-state/package.json': '{ "name": "shared-state", "version": "1.0.0" }\n',
      'node_modules/shared-state/index.js': 'exports.state = {};\n',
      'node_modules/wrapper/package.json': '{ "name": "wrapper", "version": "1.0.0" }\n',
      'node_modules/wrapper/index.js': "exports.state = require('shared-state').state;\n",
      'node_modules/wrapper/node_modules/shared-state/package.json': '{ "name": "shared-state", "version": "1.0.0" }\n',
      'node_modules/wrapper/node_modules/shared-state/index.js': 'exports.state = {};\n',
      [ENTRY]: "import { state } from 'shared-state';\nimport { state as wrapped } from 'wrapper';\nexport function main(): boolean { return state === wrapped; }\n",
    };
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      edit(root, file, content);
    }
    expect(await run(root)).toEqual({ output: true, built: true });
    // Another version nested is another package: both stay.
    edit(root, 'node_modules/wrapper/node_modules/shared-state/package.json', '{ "name": "shared-state", "version": "2.0.0" }\n');
    expect(await run(root)).toEqual({ output: false, built: true });
  });

  test('fails when a source does not compile, saying so, and builds again once it does', async () => {
    await run(root);
    edit(root, 'src/lib/message.ts', 'export const message: string = ;\n');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // esbuild's failure, with its located errors, for scripts/report-failure.js to print.
      await expect(bundle.load(root, ENTRY)).rejects.toMatchObject({ errors: [expect.objectContaining({ text: expect.any(String), location: expect.objectContaining({ line: 1 }) })] });
    } finally {
      stderr.mockRestore();
    }
    edit(root, 'src/lib/message.ts', "export const message: string = 'fixed';\n");
    expect(await run(root)).toEqual({ output: 'fixed js v1', built: true });
  });

  test('maps an error raised in the bundle to the TypeScript source line', async () => {
    const loaded = await bundle.load(root, ENTRY);
    let stack: string | undefined;
    try {
      loaded.exports.main(['throw']);
    } catch (error) {
      stack = (error as Error).stack;
    }
    const line = fs.readFileSync(path.join(root, ENTRY), 'utf8').split('\n').findIndex((l) => l.includes("throw new Error('boom')")) + 1;
    expect(stack).not.toContain(path.join(root, ENTRY));
    expect(loaded.mapStack(stack)).toContain(`${path.join(root, ENTRY)}:${line}:`);
  });
});
