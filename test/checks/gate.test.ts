import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCacheDir, repoRoot } from '../../src/build-cache';
import { main as synth } from '../../src/cli/synth';
import { readTree } from '../../src/synth/output-tree';
import { CHECKS } from '../../src/checks/registry';
import { ENVIRONMENTS, captureContext as context } from '../fixtures';
import { STAGING_WITHOUT_JOIN } from './helpers';

describe('npm run synth runs the checks before writing', () => {
  let dir: string;
  beforeEach(() => { dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gate-')), 'dist'); });

  test('fails when a check fails, naming it, and leaves the previous dist/ untouched', () => {
    expect(synth(['--out', dir, '-q'], context().ctx)).toBe(0);
    const before = readTree(dir);
    const { err, ctx } = context(STAGING_WITHOUT_JOIN);
    expect(synth(['--out', dir], ctx)).toBe(1);
    expect(err.join('\n')).toMatch(/^FAIL +path\.tailscale-auth-key +staging +[\s\S]*Nothing was written to .*dist\/\./m);
    expect(readTree(dir)).toEqual(before);
  });

  test('writes, with a warning, when the CRD directory is missing', () => {
    const { out, err, ctx } = context();
    expect(synth(['--out', dir, '--crds', '/nonexistent/crds'], ctx)).toBe(0);
    expect(err).toEqual([expect.stringMatching(/^warning: SKIPPED: no CRD schemas at \/nonexistent\/crds/)]);
    expect(out.join('\n')).toMatch(/^SKIPPED +schema\.custom-resources +staging /m);
    expect(readTree(dir).has('staging/path.md')).toBe(true);
  });

  test('writes nothing when the CRD directory is missing and --require-schemas is given', () => {
    expect(synth(['--out', dir, '--crds', '/nonexistent/crds', '--require-schemas'], context().ctx)).toBe(1);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('prints the checks\' verdict under the summary', () => {
    const { out, ctx } = context();
    expect(synth(['--out', dir], ctx)).toBe(0);
    expect(out.join('\n')).toMatch(new RegExp(`Checks passed: ${CHECKS.length} checks × ${ENVIRONMENTS.length} environments: \\d+ passed, \\d+ assumed, 0 skipped, 0 failed\\.\\nWrote \\d+ files`));
  });

  test('finds the repository root above any module', () => {
    expect(fs.existsSync(path.join(repoRoot(), 'package.json'))).toBe(true);
    expect(repoRoot(path.join(repoRoot(), 'src', 'checks', 'schema'))).toBe(repoRoot());
    expect(() => repoRoot('/')).toThrow(/No package.json above \//);
  });

  test('puts the caches in .build/ of the repository, and nowhere for code outside any repository (it then caches nothing)', () => {
    expect(buildCacheDir('crd-validators')).toBe(path.join(path.dirname(fs.realpathSync(path.join(repoRoot(), 'node_modules'))), '.build', 'crd-validators'));
    expect(buildCacheDir('crd-validators', '/')).toBeUndefined();
  });
});
