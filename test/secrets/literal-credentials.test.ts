/**
 * Every literal credential of the table is refused by the gate `npm run synth` runs (a check
 * failure naming the env var and the environment, never the value, so nothing is written) and
 * never printed by the rendered diff or the log redaction.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parse } from 'yaml';
import { diffTrees } from '../../src/diff/diff-trees';
import { renderMarkdown } from '../../src/diff/render-markdown';
import { renderText } from '../../src/diff/render-text';
import { build } from '../../src/synth/build';
import { renderYaml } from '../../src/synth/render';
import { formatReport } from '../../src/checks/report';
import { NAMES, container, expectOnlyFailure, pick, resultOf, runBroken, xcresult } from '../checks/helpers';
import { ENVIRONMENTS, TAILNETS } from '../fixtures';
import { LITERAL_CREDENTIALS } from './literal-credentials';

const ROOT = path.join(__dirname, '..', '..');

describe('a literal credential in an env var', () => {
  test.each(LITERAL_CREDENTIALS.map((c) => [c.name, c]))('%s is refused by the gate, named by env var and environment, its value never printed', (_, c) => {
    const run = runBroken('production', (objects) => { container(xcresult(objects)).env.push({ name: c.name, value: c.value }); });
    // A URL-shaped literal is also an endpoint the VM would dial off the tailnet (path.vm-endpoints).
    const failed = run.results.filter((r) => r.status === 'fail').map((r) => r.check);
    expect(failed).toContain('policy.secret-literals');
    expect(failed.filter((check) => check !== 'policy.secret-literals' && check !== 'path.vm-endpoints')).toEqual([]);
    const failure = resultOf(run, 'policy.secret-literals', 'production');
    expect(failure.message).toContain(`env ${c.name} is a literal`);
    expect(failure.message).toMatch(new RegExp(`^Deployment ${NAMES.xcresultProcessorDeployment}, containers\\[xcresult-processor\\]`));
    expect(formatReport(run)).not.toContain(c.secret);
  });

  test.each(LITERAL_CREDENTIALS.filter((c) => !/name says|random-looking/.test(c.kind.source)).map((c) => [c.name, c]))('%s is refused anywhere else in an object too (here a Pooler annotation), by path', (_, c) => {
    const run = runBroken('canary', (objects) => { pick(objects, 'Pooler').metadata.annotations = { 'tuist.dev/note': c.value }; });
    const failure = expectOnlyFailure(run, 'policy.secret-literals', 'canary');
    expect(failure.message).toContain('Pooler tuist-tuist-pg-pooler-rw: metadata.annotations.tuist.dev/note is a literal that looks like');
    expect(formatReport(run)).not.toContain(c.secret);
  });

  test('the rendered output of the committed configuration holds no literal credential, and its credential annotation stays readable in a diff', () => {
    const run = runBroken('staging', () => undefined);
    expect(run.results.filter((r) => r.check === 'policy.secret-literals').map((r) => r.status)).toEqual(ENVIRONMENTS.map(() => 'pass'));
    const base = new Map(build({ environments: ENVIRONMENTS, tailnets: TAILNETS }).files);
    const head = new Map(base);
    const file = 'staging/deployment.tuist-tuist-xcresult-processor.yaml';
    head.set(file, head.get(file)!.replace(/(tuist\.dev\/vm-credential-generation: )(.*)/, '$1auth-key tags=tag:tuist-macmini-staging'));
    expect(renderText(diffTrees(base, head))).toContain('"auth-key tags=tag:tuist-macmini-staging"');
  });

  test('all of them are redacted in the rendered diff, text and Markdown, while their names stay readable', () => {
    const base = new Map(build({ environments: ENVIRONMENTS, tailnets: TAILNETS }).files);
    const head = new Map(base);
    const file = 'production/deployment.tuist-tuist-xcresult-processor.yaml';
    const content = head.get(file)!;
    const object = parse(content);
    object.spec.template.spec.containers[0].env.push(...LITERAL_CREDENTIALS.map((c) => ({ name: c.name, value: c.value })));
    head.set(file, `${content.split('\n')[0]}\n${renderYaml(object)}`);
    const report = diffTrees(base, head);
    for (const output of [renderText(report), renderMarkdown(report)]) {
      for (const c of LITERAL_CREDENTIALS) {
        expect({ name: c.name, printed: output.includes(c.secret) }).toEqual({ name: c.name, printed: false });
        expect(output).toContain(c.name);
      }
    }
  });

  test('all of them are redacted from logs by `npm run redact` (what the deploy jobs pipe pulumi through)', () => {
    const input = LITERAL_CREDENTIALS.map((c) => `  ${c.name}: ${c.value}`).join('\n');
    const result = spawnSync('node', [path.join(ROOT, 'scripts', 'run.js'), 'redact'], { input, encoding: 'utf8' });
    expect(result.status).toBe(0);
    for (const c of LITERAL_CREDENTIALS) {
      expect({ name: c.name, printed: result.stdout.includes(c.secret) }).toEqual({ name: c.name, printed: false });
    }
    expect(result.stdout.split('\n').filter((l) => l !== '')).toHaveLength(LITERAL_CREDENTIALS.length);
  });
});
