import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../fixtures';
import { ROOT, loadWorkflows, runStepScript, step, steps, workflow } from './workflow-files';

const SCRIPTS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
const ENVIRONMENT_NAMES = ENVIRONMENTS.map((e) => e.name);
const workflows = loadWorkflows();
const runs = workflows.flatMap((w) => steps(w).filter(({ step: s }) => s.run !== undefined).map(({ job, step: s }) => ({ where: `${w.file} ${job} "${s.name ?? s.run!.split('\n')[0]}"`, run: s.run! })));

describe('workflows', () => {
  test('are the expected files, each parsed strictly', () => {
    expect(workflows.map((w) => w.file)).toEqual(['deploy.yml', 'drift.yml', 'pull-request.yml', 'rollout.yml', 'verify.yml']);
  });

  test('never run on pull_request_target (it would run pull-request code with secrets)', () => {
    for (const w of workflows) expect({ file: w.file, triggers: Object.keys(w.on) }).not.toEqual({ file: w.file, triggers: expect.arrayContaining(['pull_request_target']) });
    expect(Object.keys(workflow('pull-request.yml').on)).toEqual(['pull_request']);
  });

  test('every `npm run X` names a package.json script', () => {
    const missing = runs.flatMap(({ where, run }) => [...run.matchAll(/\bnpm run(?:\s+-s|\s+--silent)*\s+([^\s;|&]+)/g)].map((m) => m[1]!).filter((name) => !(name in SCRIPTS)).map((name) => `${where}: npm run ${name}`));
    expect(missing).toEqual([]);
    expect(runs.some(({ run }) => run.includes('npm run -s diff'))).toBe(true);
  });

  test('every ./path, `bash path` and local reusable workflow exists', () => {
    const paths = runs.flatMap(({ where, run }) => [
      ...[...run.matchAll(/(?:^|[\s"'])(\.\/[\w./-]+)/g)].map((m) => ({ where, file: m[1]! })),
      ...[...run.matchAll(/\bbash\s+(?!-)([^\s;|&"']+)/g)].map((m) => ({ where, file: m[1]! })),
    ]);
    const called = workflows.flatMap((w) => Object.values(w.jobs).filter((j) => j.uses?.startsWith('./')).map((j) => ({ where: w.file, file: j.uses! })));
    expect(paths.length + called.length).toBeGreaterThan(0);
    for (const { where, file } of [...paths, ...called]) expect({ where, file, exists: fs.existsSync(path.join(ROOT, file)) }).toEqual({ where, file, exists: true });
  });

  test('every `node scripts/run.js X` names a command of src/cli', () => {
    for (const { where, run } of runs) {
      for (const m of run.matchAll(/node scripts\/run\.js\s+(\S+)/g)) expect({ where, command: m[1], exists: fs.existsSync(path.join(ROOT, 'src', 'cli', `${m[1]}.ts`)) }).toEqual({ where, command: m[1], exists: true });
    }
  });

  test('pin third-party actions by full commit SHA, with the version in a comment', () => {
    const uses = workflows.flatMap((w) => w.text.split('\n').filter((l) => /^\s*(?:-\s+)?uses:\s/.test(l)).map((line) => ({ file: w.file, line: line.trim() })));
    const remote = uses.filter(({ line }) => !/uses:\s+\.\//.test(line));
    expect(remote.length).toBeGreaterThan(0);
    for (const u of remote) expect(u).toEqual({ file: u.file, line: expect.stringMatching(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/) });
  });

  test('pass expressions to scripts through env, never into the script text (no injection)', () => {
    for (const { where, run } of runs) expect({ where, expression: run.includes('${{') }).toEqual({ where, expression: false });
  });

  test('every script passes shellcheck', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-shellcheck-'));
    const files = runs.map(({ run }, i) => {
      const file = path.join(dir, `step-${i}.sh`);
      fs.writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${run}`);
      return file;
    });
    const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', ...files], { encoding: 'utf8' });
    if (result.error) throw new Error(`shellcheck is needed (apt-get install shellcheck): ${result.error.message}`);
    const report = result.stdout.replace(/step-(\d+)\.sh/g, (_, i: string) => runs[Number(i)]!.where);
    expect(report).toBe('');
    expect(result.status).toBe(0);
  });

  test('grant the token read access only, and pull-request write only to the diff comment', () => {
    for (const w of workflows) {
      expect({ file: w.file, permissions: w.permissions }).toEqual({ file: w.file, permissions: { contents: 'read' } });
      for (const [name, job] of Object.entries(w.jobs)) {
        const writes = Object.entries(job.permissions ?? {}).filter(([, level]) => level !== 'read' && level !== 'none').map(([scope]) => scope);
        expect({ job: `${w.file} ${name}`, writes }).toEqual({ job: `${w.file} ${name}`, writes: w.file === 'pull-request.yml' && name === 'diff' ? ['pull-requests'] : [] });
      }
    }
  });

  test('the matrices list exactly the configured environments, in rollout order', () => {
    const matrices = workflows.flatMap((w) => Object.entries(w.jobs).filter(([, j]) => j.strategy?.matrix !== undefined).map(([name, j]) => ({ job: `${w.file} ${name}`, environments: j.strategy!.matrix!.environment })));
    expect(matrices.map((m) => m.job)).toEqual(['drift.yml drift', 'pull-request.yml preview']);
    for (const m of matrices) expect(m).toEqual({ job: m.job, environments: ENVIRONMENT_NAMES });
  });
});

describe('pull-request workflow', () => {
  const w = workflow('pull-request.yml');

  test('runs the CI gate: .ci/run, which includes the dist/ freshness check', () => {
    expect(w.jobs.verify!.uses).toBe('./.github/workflows/verify.yml');
    expect(step(workflow('verify.yml'), (s) => s.run?.includes('.ci/run') ?? false).run).toContain('./.ci/run');
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm run -s synth -- --check$/m);
  });

  test('previews with Pulumi when the token is configured, offline otherwise', () => {
    const preview = w.jobs.preview!;
    expect(preview.env!.PULUMI_ACCESS_TOKEN).toBe('${{ secrets.PULUMI_PREVIEW_TOKEN }}');
    const offline = preview.steps!.find((s) => s.run?.includes('preview:offline'))!;
    expect(offline).toEqual(expect.objectContaining({ if: "env.PULUMI_ACCESS_TOKEN == ''", run: 'npm run -s preview:offline -- --env "$ENVIRONMENT"' }));
    const online = preview.steps!.filter((s) => s.if === "env.PULUMI_ACCESS_TOKEN != ''");
    expect(online.map((s) => s.run ?? s.uses)).toEqual([expect.stringMatching(/^pulumi\/actions@/), expect.stringContaining('KUBECONFIG'), 'pulumi preview --stack "$ENVIRONMENT" --diff --non-interactive']);
  });

  describe('the diff step', () => {
    const script = step(w, (s) => s.id === 'diff').run!;
    /** A stand-in for npm: writes a diff to --out and exits with $FAKE_STATUS. */
    const fakeNpm = 'out=""; while [ $# -gt 0 ]; do [ "$1" = --out ] && out="$2"; shift; done; [ "$FAKE_STATUS" = 0 ] || printf "## Rendered changes\\n" > "$out"; [ "$FAKE_STATUS" != 0 ] || : > "$out"; exit "$FAKE_STATUS"';

    test.each([[0, 'No change to any environment'], [3, '## Rendered changes'], [4, '## Rendered changes']])('succeeds when the diff exits %i, putting it in the job summary', (status, summary) => {
      const result = runStepScript(script, { npm: fakeNpm }, { FAKE_STATUS: String(status) });
      expect(result.status).toBe(0);
      expect(fs.readFileSync(path.join(result.dir, 'summary.md'), 'utf8')).toContain(summary);
      expect(fs.readFileSync(path.join(result.dir, 'comment.md'), 'utf8')).toContain(summary);
      expect(result.stdout.includes('::warning title=Dangerous changes::')).toBe(status === 4);
    });

    test.each([1, 2])('fails when the diff exits %i', (status) => {
      expect(runStepScript(script, { npm: fakeNpm }, { FAKE_STATUS: String(status) }).status).toBe(status);
    });
  });
});

describe('rollout workflow', () => {
  const w = workflow('rollout.yml');

  test('runs on merges to main, one rollout at a time, never cancelling one in progress', () => {
    expect(w.on).toEqual({ push: { branches: ['main'] } });
    expect(w.concurrency).toEqual({ group: 'rollout', 'cancel-in-progress': false });
  });

  test('rolls out every environment in order after the gate, each serialised on its tailnet', () => {
    const chain = ['verify', ...ENVIRONMENT_NAMES];
    expect(Object.keys(w.jobs)).toEqual(chain);
    for (const [i, env] of ENVIRONMENTS.entries()) {
      expect(w.jobs[env.name]).toEqual({
        needs: chain[i],
        concurrency: { group: `tailnet-${env.tailnet.tailnet}`, 'cancel-in-progress': false },
        uses: './.github/workflows/deploy.yml',
        with: { environment: env.name },
        secrets: 'inherit',
      });
    }
    expect(w.jobs.canary!.concurrency!.group).toBe(w.jobs.production!.concurrency!.group);
  });

  test('deploys in the protected GitHub environment of the same name, from a fresh dist/', () => {
    const deploy = workflow('deploy.yml');
    const job = deploy.jobs.up!;
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.steps!.map((s) => s.run).filter((r) => r !== undefined)).toEqual(expect.arrayContaining([
      'npm run -s synth -- --check',
      'pulumi up --stack "$ENVIRONMENT" --yes --diff --non-interactive',
    ]));
  });
});

describe('drift workflow', () => {
  const w = workflow('drift.yml');

  test('runs on a schedule and previews every stack expecting no change', () => {
    expect(w.on).toEqual({ schedule: [{ cron: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) }], workflow_dispatch: {} });
    expect(step(w, (s) => s.run?.startsWith('pulumi preview') ?? false).run).toBe('pulumi preview --stack "$ENVIRONMENT" --expect-no-changes --refresh --diff --non-interactive');
  });

  describe('the credential expiry check', () => {
    const script = step(w, (s) => s.id === 'credential-expiry').run!;
    const days = (n: number): string => new Date(Date.now() + n * 86_400_000).toISOString();
    const withOutput = (output: unknown) => runStepScript(script, {
      pulumi: `[ "$*" = "stack output vmCredential --stack staging --json" ] || exit 9; cat <<'JSON'\n${JSON.stringify(output)}\nJSON`,
    }, { ENVIRONMENT: 'staging' });

    test('passes while the key is inside its rotation window', () => {
      const result = withOutput({ kind: 'auth-key', tags: ['tag:x'], expiresAt: days(20), rotatesFrom: days(5) });
      expect(result).toEqual(expect.objectContaining({ status: 0, stdout: expect.stringContaining('staging: the VM auth key expires at'), stderr: '' }));
    });

    test('fails when the key should already have been rotated, saying how to fix it', () => {
      const result = withOutput({ kind: 'auth-key', tags: ['tag:x'], expiresAt: days(10), rotatesFrom: days(-1) });
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^::error title=VM credential close to expiry::staging: .*Fix: run the rollout \(pulumi up --stack staging\)/m);
    });

    test('fails when the key has expired', () => {
      expect(withOutput({ kind: 'auth-key', tags: ['tag:x'], expiresAt: days(-1), rotatesFrom: days(-15) })).toEqual(expect.objectContaining({ status: 1, stdout: expect.stringContaining('::error title=VM credential expired::') }));
    });

    test('passes, saying so, for credentials without an expiry', () => {
      expect(withOutput({ delivery: 'external-secret' })).toEqual(expect.objectContaining({ status: 0, stdout: expect.stringContaining('nothing to check') }));
      expect(withOutput({ kind: 'oauth-client', tags: ['tag:x'], expiresAt: null, rotatesFrom: null }).status).toBe(0);
    });
  });
});
