import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A throwaway repository with `files` committed; returns its path. */
export function commitRepo(files: Record<string, string>, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-repo-'))): string {
  if (!fs.existsSync(path.join(dir, '.git'))) execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  execFileSync('git', ['-C', dir, 'add', '-A']);
  execFileSync('git', ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'test']);
  return dir;
}
