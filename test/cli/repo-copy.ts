import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

/** A copy of what the commands need, borrowing node_modules and the CRD schemas beside the repository. */
export function copyRepository(prefix = 'cli-repo-'): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const root = path.join(parent, 'repo');
  for (const entry of ['src', 'scripts', 'imports', 'dist', 'package.json', 'tsconfig.json', 'Pulumi.yaml']) {
    if (fs.existsSync(path.join(ROOT, entry))) fs.cpSync(path.join(ROOT, entry), path.join(root, entry), { recursive: true });
  }
  for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) fs.copyFileSync(path.join(ROOT, file), path.join(root, file));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  fs.symlinkSync(path.resolve(ROOT, '..', 'shared'), path.join(parent, 'shared'), 'dir');
  return root;
}

/** `node scripts/run.js <args…>` in `root`, as a person runs it (TUIST_DEBUG unset unless given). */
export function runCli(root: string, args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> & { lines: string[] } {
  const { TUIST_DEBUG: _unset, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ['scripts/run.js', ...args], { cwd: root, encoding: 'utf8', env: { ...inherited, ...env } });
  return { ...result, lines: `${result.stdout}${result.stderr}`.split('\n').filter((l) => l !== '') };
}
