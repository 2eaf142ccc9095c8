import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../fixtures';
import { type Job, ROOT, type Workflow, loadWorkflows, runStepScript, step, steps, workflow } from './workflow-files';

const SCRIPTS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
const workflows = loadWorkflows();
const runs = workflows.flatMap((w) => steps(w).filter(({ step: s }) => s.run !== undefined).map(({ job, step: s }) => ({ where: `${w.file} ${job} "${s.name ?? s.run!.split('\n')[0]}"`, run: s.run! })));
const allJobs = workflows.flatMap((w) => Object.entries(w.jobs).map(([name, job]) => ({ w, name, job, where: `${w.file} ${name}` })));
const IDENTITY_WRAPPER = '.github/scripts/with-tailscale-identity.sh';

/** The workflows a pull request's code runs in (directly or through a reusable workflow it calls). */
function pullRequestWorkflows(): Workflow[] {
  const direct = workflows.filter((w) => 'pull_request' in w.on);
  const called = direct.flatMap((w) => Object.values(w.jobs).map((j) => j.uses).filter((u): u is string => u?.startsWith('./') ?? false));
  return [...direct, ...workflows.filter((w) => called.includes(`./.github/workflows/${w.file}`))];
}

const runsPulumi = (job: Job, command: 'preview' | 'up') => (job.steps ?? []).some((s) => new RegExp(`\\bpulumi ${command}\\b`).test(s.run ?? ''));

describe('workflows', () => {
  test('are the expected files, each parsed strictly', () => {
    expect(workflows.map((w) => w.file)).toEqual(['credentials.yml', 'deploy.yml', 'drift.yml', 'pull-request-comment.yml', 'pull-request.yml', 'rollout.yml', 'verify.yml']);
  });

  test('never run on pull_request_target (it would run pull-request code with secrets)', () => {
    for (const w of workflows) expect({ file: w.file, triggers: Object.keys(w.on) }).not.toEqual({ file: w.file, triggers: expect.arrayContaining(['pull_request_target']) });
    expect(Object.keys(workflow('pull-request.yml').on)).toEqual(['pull_request']);
  });

  test('every `npm run X` names a package.json script', () => {
    const missing = runs.flatMap(({ where, run }) => [...run.matchAll(/\bnpm run(?:\s+-s|\s+--silent)*\s+([^\s;|&)]+)/g)].map((m) => m[1]!).filter((name) => !(name in SCRIPTS)).map((name) => `${where}: npm run ${name}`));
    expect(missing).toEqual([]);
    expect(runs.some(({ run }) => run.includes('npm run -s diff'))).toBe(true);
  });

  test('every ./path, `bash path`, script path and local reusable workflow exists', () => {
    const paths = runs.flatMap(({ where, run }) => [
      ...[...run.matchAll(/(?:^|[\s"'])(\.\/[\w./-]+)/g)].map((m) => ({ where, file: m[1]! })),
      ...[...run.matchAll(/\bbash\s+(?!-)([^\s;|&"']+)/g)].map((m) => ({ where, file: m[1]! })),
      ...[...run.matchAll(/(?:^|[\s!])(\.github\/scripts\/[\w.-]+)/g)].map((m) => ({ where, file: m[1]! })),
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

  test('every script passes shellcheck, and so does the identity wrapper', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-shellcheck-'));
    const files = runs.map(({ run }, i) => {
      const file = path.join(dir, `step-${i}.sh`);
      fs.writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${run}`);
      return file;
    });
    const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', ...files, path.join(ROOT, IDENTITY_WRAPPER)], { encoding: 'utf8' });
    if (result.error) throw new Error(`shellcheck is needed (apt-get install shellcheck): ${result.error.message}`);
    const report = result.stdout.replace(/step-(\d+)\.sh/g, (_, i: string) => runs[Number(i)]!.where);
    expect(report).toBe('');
    expect(result.status).toBe(0);
  });

  test('run on a supported Node LTS (22 or 24), through actions/setup-node', () => {
    const setups = workflows.flatMap((w) => steps(w).filter(({ step: s }) => s.uses?.startsWith('actions/setup-node@')).map(({ job, step: s }) => ({ where: `${w.file} ${job}`, node: s.with?.['node-version'] })));
    expect(setups.length).toBeGreaterThan(0);
    for (const s of setups) expect({ where: s.where, supported: [22, 24].includes(s.node as number) }).toEqual({ where: s.where, supported: true });
    // Every job that runs npm set Node up first.
    for (const { job, where } of allJobs) {
      const npmAt = (job.steps ?? []).findIndex((s) => /\bnpm\b/.test(s.run ?? ''));
      const nodeAt = (job.steps ?? []).findIndex((s) => s.uses?.startsWith('actions/setup-node@'));
      if (npmAt >= 0) expect({ where, nodeFirst: nodeAt >= 0 && nodeAt < npmAt }).toEqual({ where, nodeFirst: true });
    }
  });

  test('grant the token read access only; writes: id-token to deploy/preview jobs, pull-requests to the comment job', () => {
    const allowed: Record<string, string[]> = {
      'credentials.yml renew': ['id-token'],
      'deploy.yml preview': ['id-token'],
      'deploy.yml up': ['id-token'],
      'drift.yml drift': ['id-token'],
      'pull-request-comment.yml comment': ['pull-requests'],
    };
    for (const w of workflows) expect({ file: w.file, permissions: w.permissions }).toEqual({ file: w.file, permissions: { contents: 'read' } });
    for (const { job, where } of allJobs) {
      const writes = Object.entries(job.permissions ?? {}).filter(([, level]) => level !== 'read' && level !== 'none').map(([scope]) => scope);
      expect({ where, writes }).toEqual({ where, writes: allowed[where] ?? [] });
    }
  });

  test('id-token only in jobs that deploy or preview, in a protected GitHub environment, through the identity wrapper', () => {
    const withIdToken = allJobs.filter(({ job }) => job.permissions?.['id-token'] === 'write');
    expect(withIdToken.length).toBeGreaterThan(0);
    for (const { job, where } of withIdToken) {
      expect({ where, deploysOrPreviews: runsPulumi(job, 'preview') || runsPulumi(job, 'up'), environment: typeof job.environment }).toEqual({ where, deploysOrPreviews: true, environment: 'string' });
      for (const s of (job.steps ?? []).filter((s) => /\bpulumi (preview|up)\b/.test(s.run ?? ''))) {
        expect({ where, run: s.run }).toEqual({ where, run: expect.stringContaining(`${IDENTITY_WRAPPER} pulumi `) });
      }
      // Pulumi through its OIDC token exchange, never a stored access token.
      const login = (job.steps ?? []).find((s) => s.uses?.startsWith('pulumi/auth-actions@'));
      expect({ where, login: login?.with }).toEqual({ where, login: expect.objectContaining({ organization: expect.any(String), 'requested-token-type': expect.stringMatching(/^urn:pulumi:token-type:access_token:/) }) });
    }
  });

  test('no secrets in pull-request jobs: no secret, no protected environment, no OIDC token, no inherited secrets', () => {
    const prWorkflows = pullRequestWorkflows();
    expect(prWorkflows.map((w) => w.file).sort()).toEqual(['pull-request.yml', 'verify.yml']);
    for (const w of prWorkflows) {
      expect({ file: w.file, secrets: w.text.match(/\$\{\{[^}]*\b(secrets\.\w+|github\.token)/g) ?? [] }).toEqual({ file: w.file, secrets: [] });
      for (const [name, job] of Object.entries(w.jobs)) {
        expect({ job: `${w.file} ${name}`, environment: job.environment, secrets: job.secrets, idToken: job.permissions?.['id-token'] })
          .toEqual({ job: `${w.file} ${name}`, environment: undefined, secrets: undefined, idToken: undefined });
      }
      expect(w.text).not.toMatch(/PULUMI_PREVIEW_TOKEN|KUBECONFIG_PREVIEW|PULUMI_ACCESS_TOKEN/);
      for (const [name, job] of Object.entries(w.jobs)) expect({ job: `${w.file} ${name}`, pulumi: runsPulumi(job, 'preview') || runsPulumi(job, 'up') }).toEqual({ job: `${w.file} ${name}`, pulumi: false });
    }
  });

  test('no workflow holds a long-lived Tailscale secret', () => {
    for (const w of workflows) expect({ file: w.file, tailscaleSecrets: w.text.match(/secrets\.\w*(TAILSCALE|TS_)\w*|tailscaleOauthClientSecret|oauth-secret/gi) ?? [] }).toEqual({ file: w.file, tailscaleSecrets: [] });
  });

  test('every matrix of environments comes from the configuration, through a job that runs `npm run -s environments`', () => {
    const matrices = allJobs.filter(({ job }) => job.strategy?.matrix !== undefined);
    expect(matrices.map((m) => m.where)).toEqual(['credentials.yml renew', 'drift.yml drift', 'pull-request.yml preview', 'rollout.yml deploy']);
    for (const { w, job, where } of matrices) {
      const matrix = job.strategy!.matrix!;
      const source = (matrix.environment ?? matrix.include) as string;
      expect({ where, source }).toEqual({ where, source: expect.stringMatching(/^\$\{\{ fromJSON\(needs\.environments\.outputs\.(names|matrix)\) \}\}$/) });
      expect(w.jobs.environments!.steps!.some((s) => /^echo "(names|matrix)=\$\(npm run -s environments( -- --with-tailnet)?\)" >> "\$GITHUB_OUTPUT"$/.test(s.run ?? ''))).toBe(true);
      expect([job.needs].flat()).toContain('environments');
    }
  });

  test('the environments command prints what the matrices need', () => {
    const names = spawnSync('node', [path.join(ROOT, 'scripts', 'run.js'), 'environments'], { encoding: 'utf8' });
    expect(JSON.parse(names.stdout)).toEqual(ENVIRONMENTS.map((e) => e.name));
    const withTailnet = spawnSync('node', [path.join(ROOT, 'scripts', 'run.js'), 'environments', '--with-tailnet'], { encoding: 'utf8' });
    expect(JSON.parse(withTailnet.stdout)).toEqual(ENVIRONMENTS.map((e) => ({ environment: e.name, tailnet: e.tailnet.tailnet })));
  });
});

describe('pull-request workflow', () => {
  const w = workflow('pull-request.yml');

  test('runs the CI gate: .ci/run, which includes the dist/ freshness check', () => {
    expect(w.jobs.verify!.uses).toBe('./.github/workflows/verify.yml');
    expect(step(workflow('verify.yml'), (s) => s.run?.includes('.ci/run') ?? false).run).toContain('./.ci/run');
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm run -s synth -- --check$/m);
  });

  test('previews every environment offline only, into the job summary', () => {
    const preview = w.jobs.preview!;
    const runsOf = preview.steps!.map((s) => s.run).filter((r): r is string => r !== undefined);
    expect(runsOf.some((r) => r.startsWith('npm run -s preview:offline -- --env "$ENVIRONMENT"') && r.includes('GITHUB_STEP_SUMMARY'))).toBe(true);
    expect(preview.steps!.some((s) => s.uses?.startsWith('pulumi/'))).toBe(false);
  });

  test('hands only the rendered report and the pull request\'s number to the comment workflow, as an artifact', () => {
    const upload = step(w, (s) => s.uses?.startsWith('actions/upload-artifact@') ?? false);
    expect(upload.with).toEqual({ name: 'rendered-diff', path: '${{ runner.temp }}/report/', 'if-no-files-found': 'error', 'retention-days': 7 });
    expect(w.jobs.diff!.permissions).toBeUndefined();
  });

  describe('the diff step', () => {
    const script = step(w, (s) => s.id === 'diff').run!;
    /** A stand-in for npm: writes a diff to --out and exits with $FAKE_STATUS. */
    const fakeNpm = 'out=""; while [ $# -gt 0 ]; do [ "$1" = --out ] && out="$2"; shift; done; [ "$FAKE_STATUS" = 0 ] || printf "## Rendered changes\\n" > "$out"; [ "$FAKE_STATUS" != 0 ] || : > "$out"; exit "$FAKE_STATUS"';

    test.each([[0, 'No change to any environment'], [3, '## Rendered changes'], [4, '## Rendered changes']])('succeeds when the diff exits %i, putting it in the job summary and the report', (status, summary) => {
      const result = runStepScript(script, { npm: fakeNpm }, { FAKE_STATUS: String(status), PULL_REQUEST: '42' });
      expect(result.status).toBe(0);
      expect(fs.readFileSync(path.join(result.dir, 'summary.md'), 'utf8')).toContain(summary);
      expect(fs.readFileSync(path.join(result.dir, 'report', 'comment.md'), 'utf8')).toContain(summary);
      expect(fs.readFileSync(path.join(result.dir, 'report', 'pull-request'), 'utf8')).toBe('42\n');
      expect(result.stdout.includes('::warning title=Dangerous changes::')).toBe(status === 4);
    });

    test.each([1, 2])('fails when the diff exits %i', (status) => {
      expect(runStepScript(script, { npm: fakeNpm }, { FAKE_STATUS: String(status), PULL_REQUEST: '42' }).status).toBe(status);
    });
  });
});

describe('pull-request comment workflow', () => {
  const w = workflow('pull-request-comment.yml');
  const job = w.jobs.comment!;

  test('runs main\'s code when the pull-request workflow completed, for pull requests only', () => {
    expect(w.on).toEqual({ workflow_run: { workflows: ['pull request'], types: ['completed'] } });
    expect(workflow('pull-request.yml').text).toMatch(/^name: pull request$/m);
    expect(job.if).toBe("github.event.workflow_run.event == 'pull_request'");
    expect(job.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
  });

  test('runs no checkout of the pull request\'s head, no npm and no script of the repository', () => {
    for (const s of job.steps!) {
      expect({ step: s.name, uses: s.uses }).toEqual({ step: s.name, uses: undefined });
      expect(s.run).not.toMatch(/\bnpm\b|\bnode\b|\.\/|\.github\/scripts|\bsource\b|\bgit\b|\bbash\s/);
    }
  });

  describe('the comment step', () => {
    const script = step(w, (s) => s.name?.startsWith('post the diff') ?? false).run!;
    const report = (dir: string, number: string, body = '## Rendered changes') => {
      fs.mkdirSync(path.join(dir, 'report'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'report', 'pull-request'), number);
      fs.writeFileSync(path.join(dir, 'report', 'comment.md'), body);
    };
    /** A stand-in for gh: the PR's head is $HEAD, the comments are $COMMENTS (JSON); every call is logged. */
    const fakeGh = [
      'echo "$*" >> "$RUNNER_TEMP/gh.log"',
      'case "$*" in',
      '  "api repos/o/r/pulls/"*) echo "$HEAD" ;;',
      '  "api --paginate repos/o/r/issues/"*/comments*) jq_filter="${*: -1}"; printf "%s" "$COMMENTS" | jq -r "$jq_filter" ;;',
      '  *) : ;;',
      'esac',
    ].join('\n');
    const install = (dir: string) => { fs.mkdirSync(path.join(dir, 'bin'), { recursive: true }); fs.writeFileSync(path.join(dir, 'bin', 'gh'), `#!/usr/bin/env bash\n${fakeGh}\n`, { mode: 0o755 }); };
    const runWithGh = (number: string, comments: unknown[], head = 'abc') => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comment-'));
      install(dir);
      report(dir, number);
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        encoding: 'utf8', cwd: dir,
        env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, RUNNER_TEMP: dir, GITHUB_REPOSITORY: 'o/r', HEAD_SHA: 'abc', HEAD: head, COMMENTS: JSON.stringify(comments) },
      });
      const log = fs.existsSync(path.join(dir, 'gh.log')) ? fs.readFileSync(path.join(dir, 'gh.log'), 'utf8') : '';
      return { status: result.status, stdout: result.stdout, log, body: fs.existsSync(path.join(dir, 'body.md')) ? fs.readFileSync(path.join(dir, 'body.md'), 'utf8') : '' };
    };

    const marker = '<!-- tuist-rendered-diff -->';

    test('edits the comment carrying the marker whose author is the workflow\'s bot, ignoring a look-alike by someone else', () => {
      const result = runWithGh('7', [
        { id: 1, user: { login: 'mallory' }, body: `${marker}\nforged` },
        { id: 2, user: { login: 'github-actions[bot]' }, body: 'another bot comment' },
        { id: 3, user: { login: 'github-actions[bot]' }, body: `${marker}\nold diff` },
      ]);
      expect(result.status).toBe(0);
      expect(result.log).toMatch(/^api --method PATCH repos\/o\/r\/issues\/comments\/3 -F body=@/m);
      expect(result.body).toBe(`${marker}\n## Rendered changes`);
    });

    test('creates the comment when the bot has none yet', () => {
      const result = runWithGh('7', [{ id: 1, user: { login: 'mallory' }, body: `${marker}\nforged` }]);
      expect(result.log).toMatch(/^api --method POST repos\/o\/r\/issues\/7\/comments -F body=@/m);
    });

    test('refuses a report whose pull-request number is not a number', () => {
      const result = runWithGh('7; rm -rf /', []);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('::error title=Bad report::');
      expect(result.log).toBe('');
    });

    test('posts nothing when the pull request moved on from the rendered commit', () => {
      const result = runWithGh('7', [], 'def');
      expect(result.status).toBe(0);
      expect(result.log).not.toMatch(/--method/);
    });
  });
});

describe('rollout workflow', () => {
  const w = workflow('rollout.yml');

  test('runs on merges to main, one rollout at a time, never cancelling one in progress', () => {
    expect(w.on).toEqual({ push: { branches: ['main'] } });
    expect(w.concurrency).toEqual({ group: 'rollout', 'cancel-in-progress': false });
  });

  test('rolls out the configured environments one at a time, in order, after the gate, each serialised on its tailnet', () => {
    expect(Object.keys(w.jobs)).toEqual(['verify', 'environments', 'deploy']);
    expect(w.jobs.deploy).toEqual({
      needs: ['verify', 'environments'],
      strategy: { 'max-parallel': 1, 'fail-fast': true, matrix: { include: '${{ fromJSON(needs.environments.outputs.matrix) }}' } },
      concurrency: { group: 'tailnet-${{ matrix.tailnet }}', 'cancel-in-progress': false },
      uses: './.github/workflows/deploy.yml',
      with: { environment: '${{ matrix.environment }}' },
      secrets: 'inherit',
    });
  });
});

describe('deploy workflow', () => {
  const w = workflow('deploy.yml');

  test('previews, then waits for the approval, then ups, from a fresh dist/', () => {
    expect(Object.keys(w.jobs)).toEqual(['preview', 'approve', 'up']);
    expect(w.jobs.preview!.environment).toBe('${{ inputs.environment }}');
    expect(w.jobs.approve).toMatchObject({ needs: 'preview', environment: '${{ inputs.environment }}-approval', permissions: {} });
    expect(w.jobs.up).toMatchObject({ needs: 'approve', environment: '${{ inputs.environment }}' });
    for (const name of ['preview', 'up']) expect(w.jobs[name]!.steps!.map((s) => s.run)).toContain('npm run -s synth -- --check');
    expect(runsPulumi(w.jobs.preview!, 'preview') && !runsPulumi(w.jobs.preview!, 'up')).toBe(true);
    expect(runsPulumi(w.jobs.up!, 'up')).toBe(true);
  });

  test('the approval job holds no credential and runs nothing of the repository', () => {
    const approve = w.jobs.approve!;
    expect(JSON.stringify(approve)).not.toMatch(/secrets\.|vars\.|uses|npm|pulumi /);
  });

  test('shows the real preview in the job summary, redacted', () => {
    const preview = step(w, (s) => s.name?.startsWith('pulumi preview') ?? false).run!;
    expect(preview).toMatch(/pulumi preview --stack "\$ENVIRONMENT" --diff --non-interactive 2>&1 \| npm run -s redact \| tee /);
    expect(preview).toContain('GITHUB_STEP_SUMMARY');
  });
});

describe('the Tailscale identity wrapper', () => {
  const wrapper = path.join(ROOT, IDENTITY_WRAPPER);
  const fakeCurl = 'for a in "$@"; do case "$a" in @*) cat "${a#@}" >> "$RUNNER_TEMP/curl-header" ;; esac; done; echo "$*" >> "$RUNNER_TEMP/curl-args"; printf \'{"value":"oidc-token-%s"}\' "${@: -1}" | tr -c "[:alnum:]{}\\":,-" _';

  test('runs the command with TAILSCALE_IDENTITY_TOKEN set to an OIDC token for the audience, masked, never in arguments', () => {
    const result = runStepScript(`"${wrapper}" bash -c 'echo "token=$TAILSCALE_IDENTITY_TOKEN"'`, { curl: fakeCurl }, {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?api-version=2', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token', TAILSCALE_AUDIENCE: 'api.tailscale.com/k123',
    });
    expect(result.status).toBe(0);
    const token = /^::add-mask::(oidc-token-\S*api_tailscale_com_2Fk123)$/m.exec(result.stdout)?.[1];
    expect(token).toBeDefined();
    expect(result.stdout).toContain(`\ntoken=${token}\n`);
    const args = fs.readFileSync(path.join(result.dir, 'curl-args'), 'utf8');
    expect(args).toContain('audience=api.tailscale.com%2Fk123');
    expect(args).not.toContain('request-token');
    expect(fs.readFileSync(path.join(result.dir, 'curl-header'), 'utf8')).toBe('Authorization: bearer request-token\n');
  });

  test('fails, saying what to fix, without id-token permission or without the audience', () => {
    const noToken = runStepScript(`"${wrapper}" true`, { curl: fakeCurl }, { TAILSCALE_AUDIENCE: 'a' });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toMatch(/Fix: give the job 'permissions: id-token: write'/);
    const noAudience = runStepScript(`"${wrapper}" true`, { curl: fakeCurl }, { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://t/?x=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' });
    expect(noAudience.status).toBe(1);
    expect(noAudience.stderr).toMatch(/TAILSCALE_AUDIENCE is not set\. Fix: set the variable TAILSCALE_AUDIENCE/);
  });
});

describe('drift workflow', () => {
  const w = workflow('drift.yml');

  test('runs on a schedule and previews every stack expecting no change, in its protected environment', () => {
    expect(w.on).toEqual({ schedule: [{ cron: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) }], workflow_dispatch: {} });
    expect(step(w, (s) => s.run?.includes('pulumi preview') ?? false).run).toBe(`${IDENTITY_WRAPPER} pulumi preview --stack "$ENVIRONMENT" --expect-no-changes --refresh --diff --non-interactive 2>&1 | npm run -s redact`);
    expect(w.jobs.drift!.environment).toBe('${{ matrix.environment }}');
  });
});

describe('credentials workflow (scheduled renewal)', () => {
  const w = workflow('credentials.yml');
  const decide = step(w, (s) => s.id === 'decide').run!;
  const renew = step(w, (s) => s.id === 'renew');
  /** npm → the real command of this repository (the decision is code, tested in test/cli too). */
  const realNpm = `[ "$1 $2 $3" = "run -s credential-renewal" ] || exit 9; shift 4; exec node "${path.join(ROOT, 'scripts', 'run.js')}" credential-renewal "$@"`;
  const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
  const outputsOf = (status: unknown) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-output-'));
    const output = path.join(dir, 'output');
    const result = runStepScript(decide, {
      pulumi: `[ "$*" = "stack output vmCredential --stack staging --json" ] || exit 9; cat <<'JSON'\n${JSON.stringify(status)}\nJSON`,
      npm: realNpm,
    }, { ENVIRONMENT: 'staging', GITHUB_OUTPUT: output });
    return { result, outputs: fs.existsSync(output) ? fs.readFileSync(output, 'utf8') : '' };
  };

  test('runs every day, in each environment\'s protected environment', () => {
    expect(w.on).toEqual({ schedule: [{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) }], workflow_dispatch: {} });
    expect(w.jobs.renew!.environment).toBe('${{ matrix.environment }}');
  });

  test('decides to renew a key past its next renewal, with the URN to target', () => {
    const urn = 'urn:pulumi:staging::p::tuist:tailnet:MintedVmCredential$tailscale:index/tailnetKey:TailnetKey::vm-credential-auth-key';
    const { result, outputs } = outputsOf({ kind: 'auth-key', tags: ['tag:x'], expiresAt: days(12), nextRenewal: days(-2), urn, deliveredTo: { secretName: 'ns/s', key: 'auth-key' } });
    expect(result.status).toBe(0);
    expect(outputs).toMatch(/^renew=true$/m);
    expect(outputs).toContain(`urn=${urn}\n`);
  });

  test('leaves an OAuth client alone', () => {
    const { outputs } = outputsOf({ kind: 'oauth-client', tags: ['tag:x'], expiresAt: 'never', nextRenewal: 'never', urn: 'u', deliveredTo: {} });
    expect(outputs).toMatch(/^renew=false$/m);
  });

  test('renews with a targeted up of the credential and its dependents, through the identity wrapper, only when due', () => {
    expect(renew.if).toBe("steps.decide.outputs.renew == 'true'");
    expect(renew.run).toContain(`${IDENTITY_WRAPPER} pulumi up --stack "$ENVIRONMENT" --target "$CREDENTIAL_URN" --target-dependents --yes`);
    expect(renew.env).toEqual({ CREDENTIAL_URN: '${{ steps.decide.outputs.urn }}', FAILURE: '${{ steps.decide.outputs.failure }}' });
  });

  test('alerts only when the renewal itself fails', () => {
    const script = renew.run!.replace(IDENTITY_WRAPPER, 'wrapper');
    const fakes = { wrapper: '"$@"', npm: 'cat' };
    const failed = runStepScript(script, { ...fakes, pulumi: 'echo "error: conflict: another update is in progress"; exit 255' }, { ENVIRONMENT: 'staging', CREDENTIAL_URN: 'u', FAILURE: 'staging: renewing the VM credential failed; …' });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/^::error title=VM credential renewal failed::staging: renewing the VM credential failed/m);
    const renewed = runStepScript(script, { ...fakes, pulumi: 'echo "Resources: 1 created"' }, { ENVIRONMENT: 'staging', CREDENTIAL_URN: 'u', FAILURE: 'x' });
    expect(renewed.status).toBe(0);
    expect(renewed.stdout).not.toContain('::error');
  });
});
