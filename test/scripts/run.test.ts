import { spawnSync } from 'node:child_process';
import { ENVIRONMENTS } from '../fixtures';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const { COMMANDS } = require('../../scripts/run') as { COMMANDS: Record<string, string> };

const node = (args: string[], cwd = ROOT) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });

describe('scripts/run.js', () => {
  test('its command table names every module of src/cli/ that exports main, and nothing else', () => {
    const cli = fs.readdirSync(path.join(ROOT, 'src', 'cli'))
      .filter((f) => f.endsWith('.ts') && /^export (async )?function main\(/m.test(fs.readFileSync(path.join(ROOT, 'src', 'cli', f), 'utf8')))
      .map((f) => `src/cli/${f}`);
    // A new command file needs its line in COMMANDS (scripts/run.js); a line needs its file.
    expect(Object.values(COMMANDS).sort()).toEqual(cli.sort());
  });

  test('every command bundles and loads, its dependencies included', () => {
    const script = `
      const { load } = require('./scripts/bundle');
      const { COMMANDS } = require('./scripts/run');
      (async () => {
        const loaded = {};
        for (const [name, entry] of Object.entries(COMMANDS)) {
          // No saveCodeCache(): a cache written now would hold only the modules' top level, and
          // the commands' real runs would keep it.
          loaded[name] = typeof (await load(process.cwd(), entry)).exports.main;
        }
        process.stdout.write(JSON.stringify(loaded));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const result = node(['-e', script]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual(Object.fromEntries(Object.keys(COMMANDS).map((name) => [name, 'function'])));
  }, 60_000);

  test('the bundled offline preview serializes the dynamic policy provider (Pulumi parses its code from the bundle\'s text)', () => {
    // A minified bundle (`class{`) or syntax Pulumi's closure serializer cannot read fails here, not in jest's transform.
    const first = ENVIRONMENTS[0]!.name;
    const result = node(['scripts/run.js', 'preview-offline', '--env', first, '--live-policy', 'test/fixtures/tailnet/live-policy.hujson']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain('pulumi-nodejs:dynamic/tailnet:PolicyDocument');
  });

  test('fails with exit 2 on an unknown command, listing the commands', () => {
    const result = node(['scripts/run.js', 'synthesize']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`commands: ${Object.keys(COMMANDS).join(', ')}`);
  });

  test('prints an unexpected error with its stack at the TypeScript source line', () => {
    // dist/ under a regular file cannot be written: a bug-like failure, not a usage error.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'run-error-')), 'a-file');
    fs.writeFileSync(file, '');
    const result = node(['scripts/run.js', 'synth', '--out', path.join(file, 'dist'), '-q']);
    const source = path.join(ROOT, 'src', 'synth', 'output-tree.ts');
    const line = fs.readFileSync(source, 'utf8').split('\n').findIndex((l) => l.includes('fs.mkdtempSync(')) + 1;
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^synth failed \(a bug; please report it with this trace\): Error: ENOTDIR/m);
    expect(result.stderr).toContain(`writeTreeAtomically (${source}:${line}:`);
    expect(result.stderr).not.toContain('.build');
  }, 30_000);
});
