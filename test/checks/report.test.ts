import { CHECKS } from '../../src/checks/registry';
import { formatJson, formatReport, formatResult } from '../../src/checks/report';
import { runChecks } from '../../src/checks/run';
import { env, runBroken, validInput, xcresult } from './helpers';

describe('check report', () => {
  const valid = runChecks(validInput());
  // Each environment's endpoint inside a cluster-provided Secret, and every environment while a people-owned rule opens cross-environment paths.
  const assumedCount = valid.results.filter((r) => r.status === 'assumed').length;
  const environments = validInput().environments.map((e) => e.environment.name);

  test('has one line per check and environment, then a summary', () => {
    const lines = formatReport(valid).split('\n');
    expect(lines.filter((l) => /^(PASS|FAIL|SKIPPED|ASSUMED) /.test(l))).toHaveLength(CHECKS.length * environments.length);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^PASS +path\\.database-url-key +${environments[0]} +DATABASE_URL reads Secret tuist-tuist-processor-external-secrets`)));
    expect(lines.at(-1)).toBe(`Checks passed: ${CHECKS.length} checks × ${environments.length} environments: ${CHECKS.length * environments.length - assumedCount} passed, ${assumedCount} assumed, 0 skipped, 0 failed.`);
  });

  test('puts the fix under a failure, aligned with the message', () => {
    const broken = runBroken('canary', (objects) => { env(xcresult(objects), 'DATABASE_URL').valueFrom.secretKeyRef.key = 'database-url'; });
    const lines = formatReport(broken, { problemsOnly: true }).split('\n');
    const at = lines.findIndex((l) => l.startsWith('FAIL'));
    expect(lines[at]).toMatch(/^FAIL +path\.database-url-key +canary +Deployment tuist-tuist-xcresult-processor: DATABASE_URL reads key "database-url"/);
    expect(lines[at + 1]).toMatch(/^ +fix: Use one of processor-database-url, xcresult-processor-database-url/);
    expect(lines[at + 1]!.indexOf('fix:')).toBe(lines[at]!.indexOf('Deployment'));
    expect(lines.some((l) => l.startsWith('PASS'))).toBe(false);
    expect(lines.at(-1)).toMatch(/^Checks FAILED: .* 1 failed\.$/);
  });

  test('never prints a fix under a pass', () => {
    expect(formatResult({ check: 'x.y', environment: 'staging', status: 'pass', message: 'fine', fix: 'n/a' })).toBe('PASS  x.y  staging  fine');
  });

  test('--json carries every result, the checks\' titles and the verdict', () => {
    const json = JSON.parse(formatJson(valid, CHECKS));
    expect(json.ok).toBe(true);
    expect(json.counts).toEqual({ pass: CHECKS.length * environments.length - assumedCount, fail: 0, skip: 0, assumed: assumedCount });
    expect(json.checks).toHaveLength(CHECKS.length);
    expect(json.results[0]).toEqual({ check: CHECKS[0]!.id, environment: environments[0], status: 'pass', message: expect.any(String) });
  });

  test('check ids are unique and categorised', () => {
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
    for (const check of CHECKS) expect(check.id).toMatch(/^(path|scheduling|admission|schema|policy)\.[a-z-]+$/);
    expect(() => runChecks(validInput(), [CHECKS[0]!, CHECKS[0]!])).toThrow(/Two checks share the id "path.database-url-key"/);
  });
});
