/** Reading the GitHub Actions workflows for the tests: parsed YAML, raw text, every step. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';

export const ROOT = path.join(__dirname, '..', '..');
export const WORKFLOWS_DIR = path.join(ROOT, '.github', 'workflows');

export interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export interface Job {
  readonly name?: string;
  readonly uses?: string;
  readonly needs?: string | string[];
  readonly with?: Record<string, unknown>;
  readonly secrets?: unknown;
  readonly environment?: unknown;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress': boolean };
  readonly permissions?: Record<string, string>;
  readonly strategy?: { readonly matrix?: Record<string, unknown>; readonly 'max-parallel'?: number; readonly 'fail-fast'?: boolean };
  readonly outputs?: Record<string, string>;
  readonly if?: string;
  readonly env?: Record<string, string>;
  readonly steps?: readonly Step[];
}

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress': boolean };
  readonly jobs: Record<string, Job>;
}

/** Every workflow file, parsed strictly (duplicate keys and syntax errors throw). */
export function loadWorkflows(): Workflow[] {
  return fs.readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort().map((file) => {
    const text = fs.readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('\n')}`);
    const value = document.toJS() as Omit<Workflow, 'file' | 'text'>;
    return { ...value, file, text };
  });
}

export function workflow(file: string): Workflow {
  const found = loadWorkflows().find((w) => w.file === file);
  if (found === undefined) throw new Error(`no workflow ${file}`);
  return found;
}

export function steps(w: Workflow): { job: string; step: Step }[] {
  return Object.entries(w.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
}

export function step(w: Workflow, predicate: (s: Step) => boolean): Step {
  const matches = steps(w).map((s) => s.step).filter(predicate);
  if (matches.length !== 1) throw new Error(`${w.file}: expected one matching step, found ${matches.length}`);
  return matches[0]!;
}

export interface ScriptRun {
  /** The step's RUNNER_TEMP (and working directory); GITHUB_STEP_SUMMARY is summary.md in it. */
  readonly dir: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a step's script as GitHub does on Linux (`bash --noprofile --norc -eo pipefail`),
 * with `fakes` (name → shell script) first on PATH and `env` set.
 */
export function runStepScript(script: string, fakes: Record<string, string>, env: Record<string, string>): ScriptRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-step-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const [name, body] of Object.entries(fakes)) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  const file = path.join(dir, 'step.sh');
  fs.writeFileSync(file, script);
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    encoding: 'utf8',
    cwd: dir,
    env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir, GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'), HOME: dir, ...env },
  });
  return { dir, status: result.status, stdout: result.stdout, stderr: result.stderr };
}
