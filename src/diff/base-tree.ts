/**
 * The diff's git adapter: the rendered output tree of a base commit, rendered by that
 * commit's own code. The commit is exported (`git archive`, which touches neither the
 * working tree nor the index) into a checkout kept for reuse that borrows this checkout's
 * node_modules, and its `synth` writes into a temporary `dist/`. A base that cannot render
 * itself (no `scripts/run.js`, or its synth fails) falls back to the `dist/` committed there,
 * and says so.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCacheDir } from '../build-cache';
import { type FileTree, readTree } from '../synth/output-tree';
import { redactString } from '../secrets/secret-looking';
import { UserError } from '../errors/user-error';

/** Bad input to the diff (an unknown ref, not a repository): printed as is, exit 1. */
export class DiffInputError extends UserError {}

export interface BaseTree {
  /** The commit the ref resolved to. */
  readonly commit: string;
  readonly files: FileTree;
  /** How the tree was obtained, when not by rendering (for the report's notes). */
  readonly notes: readonly string[];
}

/** Longest a base synth may take before it counts as failed. */
const SYNTH_TIMEOUT_MS = 120_000;

function git(root: string, args: readonly string[]): string {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The repository root containing `dir`. */
export function repositoryRoot(dir: string): string {
  try {
    return git(dir, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new DiffInputError(`${dir} is not inside a git repository; run the diff from a checkout of this project.`);
  }
}

/** The commit `ref` names, or a DiffInputError saying what was not found. */
export function resolveCommit(root: string, ref: string): string {
  // A ref starting with "-" would be read as an option by git.
  if (ref === '' || ref.startsWith('-')) throw new DiffInputError(`--base ${JSON.stringify(ref)} is not a git ref; pass a branch, tag or commit, e.g. --base origin/main.`);
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new DiffInputError(`--base ${JSON.stringify(ref)} names no commit in ${root}. Fix: fetch it first (e.g. \`git fetch origin main\`), or pass a branch, tag or commit that exists.`);
  }
}

/** Base checkouts kept for reuse (a commit's files never change): the latest few. */
const KEPT_CHECKOUTS = 4;

/** Where base checkouts are kept: `.build/diff-base/` (src/build-cache/locations.ts), else a temporary directory. */
function checkoutsDir(root: string): string {
  return buildCacheDir('diff-base', root) ?? path.join(os.tmpdir(), 'diff-base');
}

/**
 * The files of `commit`, exported by `git archive` (which touches neither the working tree nor
 * the index) into `<checkouts>/<commit>`, once: a later diff against the same base reuses
 * them. The export is made aside and renamed into place, so a checkout is always complete.
 */
function checkoutOf(root: string, commit: string): string {
  const dir = checkoutsDir(root);
  const checkout = path.join(dir, commit);
  if (fs.existsSync(checkout)) {
    const now = new Date();
    fs.utimesSync(checkout, now, now);
    return checkout;
  }
  fs.mkdirSync(dir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(dir, `.${commit}.`));
  try {
    // The archive goes straight from git to tar, never to disk.
    const archive = execFileSync('git', ['-C', root, 'archive', '--format=tar', commit], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1024 * 1024 * 1024 });
    execFileSync('tar', ['-xf', '-', '-C', staging], { input: archive, stdio: ['pipe', 'ignore', 'pipe'] });
    if (!fs.existsSync(path.join(staging, 'node_modules'))) fs.symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules'), 'dir');
    fs.renameSync(staging, checkout);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    // Another diff made the same checkout meanwhile.
    if (!fs.existsSync(checkout)) throw error;
  }
  // The oldest checkouts beyond KEPT_CHECKOUTS go, in the background.
  const kept = fs.readdirSync(dir).filter((name) => /^[0-9a-f]{40,64}$/.test(name))
    .map((name) => ({ name, used: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const { name } of kept.slice(KEPT_CHECKOUTS)) fs.promises.rm(path.join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  return checkout;
}

/**
 * Starts rendering the base; the returned promise settles when done. Callers render the head
 * meanwhile: the base synth runs in its own process, on another core.
 */
export async function renderBaseTree(root: string, ref: string): Promise<BaseTree> {
  const commit = resolveCommit(root, ref);
  const checkout = checkoutOf(root, commit);
  const committedDist = (): FileTree => readTree(path.join(checkout, 'dist'));
  if (!fs.existsSync(path.join(checkout, 'scripts', 'run.js'))) {
    return { commit, files: committedDist(), notes: [`the base ${short(commit)} has no scripts/run.js, so this compares with the dist/ committed there.`] };
  }
  // `render` prints the files without running the checks, which the diff does not need; a base
  // older than that command (usage error, exit 2) renders with `synth` into a temporary folder.
  const failed = (result: { code: number; stderr: string }): BaseTree => {
    const reason = redactString(lastLine(result.stderr) ?? `exit code ${result.code}`);
    return { commit, files: committedDist(), notes: [`the base ${short(commit)} failed to render (${reason}), so this compares with the dist/ committed there.`] };
  };
  const rendered = await run(process.execPath, ['scripts/run.js', 'render'], checkout, true);
  if (rendered.code === 0) {
    const files = parseRendered(rendered.stdout);
    return files === undefined ? failed({ code: 0, stderr: 'its render printed no file tree' }) : { commit, files, notes: [] };
  }
  if (rendered.code !== 2) return failed(rendered);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-base-out-'));
  try {
    const out = path.join(work, 'dist');
    const result = await run(process.execPath, ['scripts/run.js', 'synth', '--out', out, '-q'], checkout, false);
    if (result.code !== 0) return failed(result);
    return { commit, files: readTree(out), notes: [] };
  } finally {
    // Removed in the background while the caller compares: the process waits for it to finish.
    fs.promises.rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** `render`'s output as a file tree, sorted by path as readTree gives it; undefined when it is not one. */
function parseRendered(stdout: string): FileTree | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([, content]) => typeof content === 'string')) return undefined;
  return new Map((entries as [string, string][]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function short(commit: string): string {
  return commit.slice(0, 12);
}

function lastLine(text: string): string | undefined {
  return text.trim().split('\n').filter((l) => l.trim() !== '').pop()?.trim();
}

function run(command: string, args: readonly string[], cwd: string, captureStdout: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(command, [...args], { cwd, stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'], timeout: SYNTH_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', (error) => resolve({ code: 1, stdout, stderr: `${stderr}\n${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? 1, stdout, stderr: signal === null ? stderr : `${stderr}\nstopped by ${signal}` }));
  });
}
