import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { DIFF_EXIT_CODES, main } from '../../src/cli/diff';
import { build } from '../../src/synth/build';
import { renderYaml } from '../../src/synth/render';
import { commitRepo } from '../diff/git-repo';
import { ENVIRONMENTS, TAILNETS } from '../fixtures';

/** The committed dist/ of a base: the current rendering, with `edit` applied to it. */
function baseRepo(edit: (files: Record<string, string>) => void = () => {}): string {
  const files: Record<string, string> = {};
  for (const [file, content] of build({ environments: ENVIRONMENTS, tailnets: TAILNETS }).files) files[`dist/${file}`] = content;
  edit(files);
  return commitRepo(files);
}

function editYaml(files: Record<string, string>, file: string, mutate: (object: any) => void): void {
  const object = parse(files[file]!);
  mutate(object);
  files[file] = renderYaml(object);
}

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { environments: ENVIRONMENTS, tailnets: TAILNETS, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('diff command', () => {
  test('no change: exit 0, and says so', async () => {
    const repo = baseRepo();
    expect(await run(['--base', 'main', '--repo', repo])).toEqual({ code: DIFF_EXIT_CODES.noChanges, out: expect.stringMatching(/^No changes against main \([0-9a-f]{12}\): every environment's manifests and every tailnet policy render the same\.$/), err: '' });
  });

  test('--json prints the report for machines, with the exit code it returns', async () => {
    const repo = baseRepo((f) => editYaml(f, 'dist/staging/deployment.tuist-tuist-xcresult-processor.yaml', (d) => { d.spec.replicas = 2; }));
    const { code, out } = await run(['--base', 'main', '--repo', repo, '--json']);
    expect(code).toBe(DIFF_EXIT_CODES.changes);
    const json = JSON.parse(out);
    expect(json).toEqual(expect.objectContaining({ exitCode: 3, changes: true, dangerous: 0, report: expect.objectContaining({ environments: expect.any(Array) }) }));
    expect(JSON.stringify(json.report)).toContain('tuist-xcresult-processor');
  });

  test('fails when --out is in a folder that does not exist, before rendering anything', async () => {
    await expect(run(['--base', 'main', '--out', '/nonexistent/folder/diff.md'])).rejects.toThrow(expect.objectContaining({
      exitCode: 2, message: expect.stringMatching(/^--out \/nonexistent\/folder\/diff\.md: the folder \/nonexistent\/folder does not exist\. Fix: create it first/),
    }));
  });

  test('changes found: exit 3, the diff in text, naming the base and how it was read', async () => {
    const repo = baseRepo((f) => editYaml(f, 'dist/staging/deployment.tuist-tuist-xcresult-processor.yaml', (d) => { d.spec.replicas = 2; }));
    const { code, out } = await run(['--base', 'main', '--repo', repo]);
    expect(code).toBe(3);
    expect(out).toMatch(/^Rendered changes against main \([0-9a-f]{12}\)\nnote: the base [0-9a-f]{12} has no scripts\/run.js/);
    expect(out).toContain('  ~ Deployment/tuist-staging/tuist-tuist-xcresult-processor\n      spec.replicas: 2 → 1');
  });

  test('dangerous changes found: exit 4, markdown written to --out', async () => {
    const repo = baseRepo((f) => editYaml(f, 'dist/canary/deployment.tuist-tuist-processor.yaml', (d) => { d.spec.selector.matchLabels.extra = 'x'; }));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diff-out-')), 'diff.md');
    const { code, out } = await run(['--base', 'main', '--repo', repo, '--format', 'markdown', '--out', file]);
    expect(code).toBe(4);
    expect(out).toBe(`diff: changes, 1 dangerous; wrote ${file}.`);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^## Rendered changes against `main \([0-9a-f]{12}\)`[\s\S]*> \[!CAUTION\][\s\S]*Deployment\/tuist-canary\/tuist-tuist-processor/);
  });

  test('--out writes an empty file when nothing changed', async () => {
    const repo = baseRepo();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diff-out-')), 'diff.md');
    fs.writeFileSync(file, 'stale');
    expect((await run(['--base', 'main', '--repo', repo, '--out', file])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });

  test('fails when the base does not exist, with exit 1 and the fix', async () => {
    const repo = baseRepo();
    expect(await run(['--base', 'origin/gone', '--repo', repo])).toEqual({ code: 1, out: '', err: expect.stringMatching(/^diff: --base "origin\/gone" names no commit.*Fix:/) });
  });

  test('fails on usage errors with exit 2, naming the problem and the usage', async () => {
    const usage = (message: RegExp) => expect.objectContaining({ exitCode: DIFF_EXIT_CODES.usage, message: expect.stringMatching(message) });
    await expect(run([])).rejects.toThrow(usage(/^--base is required\.\nusage: npm run diff -- --base <git-ref>/));
    await expect(run(['--base', 'main', '--format', 'html'])).rejects.toThrow(usage(/--format "html" is not one of text, markdown, json/));
    await expect(run(['--base', 'main', '--max-length', '12'])).rejects.toThrow(usage(/--max-length "12" must be a whole number/));
    await expect(run(['--bogus'])).rejects.toThrow(usage(/^Unknown option '--bogus'/));
  });

  test('--help documents the exit codes', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    for (const line of ['0  no change', '3  changes found', '4  dangerous changes found', '1  error', '2  usage error']) expect(out).toContain(line);
  });
});
