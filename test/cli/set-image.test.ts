import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/set-image';
import { environmentFile } from '../../src/release/set-image';
import { readTree } from '../../src/synth/output-tree';
import { objectNames } from '../../src/config/names';
import { ENVIRONMENTS, ENVIRONMENT_LIST, TAILNETS, canary, production, staging as stagingConfig, unusedEnvironmentName } from '../fixtures';
import { ROOT, read, tempRoot } from '../release/temp-root';

describe('set-image command', () => {
  function run(argv: string[], synthesize: () => number = () => 0) {
    const root = tempRoot();
    const out: string[] = [];
    const err: string[] = [];
    const code = main(argv, { environments: ENVIRONMENTS, tailnets: TAILNETS, stdout: (t) => out.push(t), stderr: (t) => err.push(t), root, synthesize });
    return { code, out: out.join('\n'), err: err.join('\n'), root };
  }

  test('pins and says what to commit', () => {
    // A pinned build tag other than the configured one, whatever that is today.
    const tag = ['sha-0123456789ab', 'sha-ba9876543210'].find((t) => t !== production.processor.image.tag)!;
    const { code, out } = run(['--env', 'production', '--component', 'processor', '--tag', tag]);
    expect(code).toBe(0);
    expect(out).toContain(`pinned production processor to ${tag} (was ${production.processor.image.tag}) in src/config/environments/production.ts`);
    expect(out).toContain('git add src/config/environments/production.ts dist/');
  });

  test('fails when the tag is refused: exit 1, the rule, nothing written', () => {
    const { code, err, root } = run(['--env', 'canary', '--component', 'xcresult-processor', '--tag', 'latest']);
    expect(code).toBe(1);
    expect(err).toMatch(/refused; nothing was written.\n {2}- environment "canary", xcresultProcessor.image.tag: "latest" is a floating tag/);
    expect(read(root, 'canary')).toBe(fs.readFileSync(path.join(ROOT, environmentFile('canary')), 'utf8'));
  });

  test('fails when synthesis fails: exit 1, file restored', () => {
    const { code, err } = run(['--env', 'staging', '--component', 'processor', '--tag', '4.113.0'], () => 1);
    expect(code).toBe(1);
    expect(err).toContain('synthesis failed (exit 1) with the new tag; src/config/environments/staging.ts was restored');
  });

  test('fails on usage errors with exit 2, listing what is allowed', () => {
    const unknown = unusedEnvironmentName('qa');
    expect(run(['--env', unknown, '--component', 'processor', '--tag', '1.0.0'])).toEqual(expect.objectContaining({ code: 2, err: expect.stringContaining(`--env must name an environment (${ENVIRONMENT_LIST}); got "${unknown}"`) }));
    expect(run(['--env', 'staging', '--component', 'pooler', '--tag', '1.0.0'])).toEqual(expect.objectContaining({ code: 2, err: expect.stringContaining('--component must be one of processor, xcresult-processor; got "pooler"') }));
    expect(run(['--env', 'staging', '--component', 'processor']).code).toBe(2);
  });
});

describe('set-image end to end (a copy of the repository, the real synth)', () => {
  /** A copy of what synth needs, borrowing node_modules and the CRD schemas beside the repository. */
  function copyRepository(): string {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'set-image-repo-'));
    const root = path.join(parent, 'repo');
    for (const entry of ['src', 'scripts', 'imports', 'dist', 'package.json']) fs.cpSync(path.join(ROOT, entry), path.join(root, entry), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    fs.symlinkSync(path.resolve(ROOT, '..', 'shared'), path.join(parent, 'shared'), 'dir');
    return root;
  }
  const runIn = (root: string, args: string[]) => spawnSync(process.execPath, ['scripts/run.js', ...args], { cwd: root, encoding: 'utf8' });

  test('rewrites one line, re-synthesizes dist/ from the edited file, and dist/ is fresh', () => {
    const root = copyRepository();
    const before = read(root, 'canary');
    const result = runIn(root, ['set-image', '--env', 'canary', '--component', 'xcresult-processor', '--tag', '4.113.0']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    const changed = before.split('\n').filter((line, i) => line !== read(root, 'canary').split('\n')[i]);
    const { repository, tag } = canary.xcresultProcessor.image;
    expect(changed).toEqual([`    image: { repository: '${repository}', tag: '${tag}' },`]);
    expect(fs.readFileSync(path.join(root, `dist/canary/deployment.${objectNames(canary).xcresultProcessorDeployment}.yaml`), 'utf8')).toContain(`image: ${repository}:4.113.0`);
    expect(runIn(root, ['synth', '--check']).status).toBe(0);
  });

  test('fails when synthesis fails, leaving the file and dist/ as they were', () => {
    const root = copyRepository();
    // Another environment is broken, so the synthesis after the edit fails.
    const staging = path.join(root, environmentFile('staging'));
    fs.writeFileSync(staging, fs.readFileSync(staging, 'utf8').replace(`tag: '${stagingConfig.processor.image.tag}'`, "tag: 'latest'"));
    const before = read(root, 'canary');
    const dist = readTree(path.join(root, 'dist'));
    const result = runIn(root, ['set-image', '--env', 'canary', '--component', 'processor', '--tag', '4.113.0']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('src/config/environments/canary.ts was restored');
    expect(read(root, 'canary')).toBe(before);
    expect(readTree(path.join(root, 'dist'))).toEqual(dist);
  });
});
