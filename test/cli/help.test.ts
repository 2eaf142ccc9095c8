import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureContext } from '../fixtures';
import { ROOT } from './repo-copy';

/** Every command: each module of src/cli/ that exports `main` (helpers live in src/cli/support/). */
const COMMANDS = fs.readdirSync(path.join(ROOT, 'src', 'cli')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
  .filter((name) => typeof require(path.join(ROOT, 'src', 'cli', name)).main === 'function');

describe('--help', () => {
  test('covers more than a handful of commands', () => {
    expect(COMMANDS).toEqual(expect.arrayContaining(['synth', 'check', 'matrix', 'diff', 'set-image', 'preview-offline', 'cdk8s-app']));
  });

  test.each(COMMANDS)('%s --help prints a usage line, its options and exit codes within 100 columns, and exits 0', async (name) => {
    const command = require(path.join(ROOT, 'src', 'cli', name));
    const { out, err, ctx } = captureContext();
    expect(await command.main(['--help'], { ...ctx, root: ROOT, synthesize: () => 1 })).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^usage: \S/);
    expect(text).toMatch(/\noptions:\n[\s\S]*--help[\s\S]*\nexit codes:\n {2}0 {2}\S[\s\S]*\n {2}2 {2}usage error/);
    expect(text.split('\n').filter((l) => l.length > 100)).toEqual([]);
    expect(err).toEqual([]);
  });

  test('npm run bench -- --help prints its usage and exit codes without running anything', () => {
    const result = spawnSync(process.execPath, ['bench/run.js', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage: npm run bench -- [\s\S]*\nexit codes:\n {2}0 /);
  });
});
