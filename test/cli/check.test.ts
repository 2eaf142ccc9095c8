import * as os from 'node:os';
import { main } from '../../src/cli/check';
import { CHECKS } from '../../src/checks/registry';
import { celRules, formats } from '../../src/checks/schema/cel-check';
import { customResourceSchemas } from '../../src/checks/schema/custom-resources';
import { ConfigError } from '../../src/config/load';
import { STAGING_WITHOUT_JOIN as withoutJoin } from '../checks/helpers';
import { ENVIRONMENTS, captureContext as context, staging, variant } from '../fixtures';

/** The report with wrapped messages joined back into one line each (fix lines stay their own). */
const unwrap = (out: readonly string[]): string => out.join('\n').replace(/\n {20,}(?! |fix: )/g, ' ');

describe('check command', () => {
  test('passes the committed configuration, listing what needs attention and counting the passes', () => {
    const { out, err, ctx } = context();
    expect(main([], ctx)).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines.filter((l) => /^PASS /.test(l))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/^ASSUMED +path\.vm-secret-endpoints +canary /));
    expect(lines.at(-1)).toMatch(new RegExp(`^Checks passed: ${CHECKS.length} checks × ${ENVIRONMENTS.length} environments: \\d+ passed, `));
    expect(err).toEqual([]);
  });

  test('--verbose prints one line per check and environment', () => {
    const { out, err, ctx } = context();
    expect(main(['--verbose'], ctx)).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines.filter((l) => /^(PASS|ASSUMED) /.test(l))).toHaveLength(CHECKS.length * ENVIRONMENTS.length);
    expect(lines).toContainEqual(expect.stringMatching(/^PASS +path\.vm-credential-tags +canary /));
    expect(err).toEqual([]);
  });

  test('fails when a check fails, naming the check, the environment and the fix', () => {
    const { out, ctx } = context(withoutJoin);
    expect(main([], ctx)).toBe(1);
    const report = unwrap(out);
    expect(report).toMatch(/^FAIL +path\.tailscale-auth-key +staging +Deployment tuist-tuist-xcresult-processor has no TAILSCALE_AUTH_KEY env var\. Without it the VM never joins the tailnet/m);
    expect(report).toMatch(/^ +fix: Set TAILSCALE_AUTH_KEY from a secretKeyRef/m);
    expect(report).toMatch(/^FAIL +path\.database-url-host +staging +Secret key processor-database-url: the URL's host is "tuist-tuist-pg-pooler-rw\.tuist-staging\.svc"/m);
    expect(report).toMatch(/^SKIPPED +path\.vm-endpoints +staging +The VM does not join the tailnet \(no TAILSCALE_AUTH_KEY/m);
    expect(report).toMatch(/Checks FAILED: .* 2 failed\.$/);
  });

  test('every line fits 100 columns, in the summary and with --verbose', () => {
    for (const argv of [[], ['--verbose']]) {
      const { out, ctx } = context(withoutJoin);
      main(argv, ctx);
      expect(out.join('\n').split('\n').filter((l) => l.length > 100)).toEqual([]);
    }
  });

  test('--json prints the results for machines', () => {
    const { out, ctx } = context(withoutJoin);
    expect(main(['--json'], ctx)).toBe(1);
    const json = JSON.parse(out.join('\n'));
    expect(json.ok).toBe(false);
    expect(json.results.filter((r: any) => r.status === 'fail')).toEqual([
      expect.objectContaining({ check: 'path.database-url-host', environment: 'staging', fix: expect.any(String) }),
      expect.objectContaining({ check: 'path.tailscale-auth-key', environment: 'staging', fix: expect.any(String) }),
    ]);
  });

  test('reports schema validation as SKIPPED, with a warning, when the CRD directory is missing', () => {
    const { out, err, ctx } = context();
    expect(main(['--crds', '/nonexistent/crds'], ctx)).toBe(0);
    expect(unwrap(out)).toMatch(/^SKIPPED +schema\.custom-resources +staging +SKIPPED: no CRD schemas at \/nonexistent\/crds; 2 custom resources .* were NOT validated\./m);
    // The checks that read the CRDs are skipped in every environment, and only they.
    const crdChecks = [customResourceSchemas, celRules, formats].map((c) => c.id);
    const skipped = out.join('\n').split('\n').filter((l) => /^SKIPPED /.test(l)).map((l) => l.split(/ +/).slice(1, 3).join(' '));
    expect(skipped.sort()).toEqual(crdChecks.flatMap((id) => ENVIRONMENTS.map((e) => `${id} ${e.name}`)).sort());
    expect(out.join('\n')).toMatch(new RegExp(` ${crdChecks.length * ENVIRONMENTS.length} skipped, 0 failed\\.$`));
    expect(err).toEqual([expect.stringMatching(/^warning: SKIPPED: no CRD schemas at \/nonexistent\/crds.*Pass --require-schemas to make this an error/)]);
  });

  test('fails when the CRD directory is missing and --require-schemas is given', () => {
    const { out, ctx } = context();
    expect(main(['--crds', '/nonexistent/crds', '--require-schemas'], ctx)).toBe(1);
    expect(unwrap(out)).toMatch(/^FAIL +schema\.custom-resources +production +no CRD schemas at \/nonexistent\/crds/m);
  });

  test('resolves a relative --crds against the repository root, wherever it runs', () => {
    const cwd = process.cwd();
    try {
      process.chdir(os.tmpdir());
      const { out, ctx } = context();
      expect(main(['--crds', 'imports/crd-schemas', '--require-schemas', '--verbose'], ctx)).toBe(0);
      expect(unwrap(out)).toMatch(/^PASS +schema\.custom-resources +staging +2 custom resources .* match the CRD schemas in \/.*imports\/crd-schemas\./m);
    } finally {
      process.chdir(cwd);
    }
  });

  test('fails on an invalid configuration before any check runs', () => {
    const broken = ENVIRONMENTS.map((e) => (e.name === 'staging' ? variant(staging, (d) => { d.pooler.tailnetExposure = { enabled: true, hostname: 'Bad Host', tags: ['tag:tuist-k8s-staging'] }; }) : e));
    expect(() => main([], context(broken).ctx)).toThrow(ConfigError);
  });

  test('rejects unknown options with a usage error (exit 2)', () => {
    expect(() => main(['--strict'], context().ctx)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^Unknown option '--strict'[\s\S]*\nusage: npm run check -- /) }));
  });
});
