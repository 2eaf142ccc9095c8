import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/preview-offline';
import { checkGuardRails } from '../../src/pulumi/guard-rails';
import { planPolicyWrite } from '../../src/pulumi/policy-writer';
import { loadModel } from '../../src/config/load';
import { captureContext as context, canary, production } from '../fixtures';



// The real guard rails, except where a test makes them report a violation: the program cannot
// produce one without a code change, but the command's failure path must still be proven.
jest.mock('../../src/pulumi/guard-rails', () => {
  const actual = jest.requireActual('../../src/pulumi/guard-rails');
  return { ...actual, checkGuardRails: jest.fn(actual.checkGuardRails) };
});

describe('preview-offline command', () => {
  test('prints every resource production would register, with its options, secrets redacted, and passes the guard rails', async () => {
    const { out, ctx } = context();
    expect(await main(['--env', 'production', '--now', '2026-03-10T12:00:00Z'], ctx)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^Offline preview of stack "production" at 2026-03-10T12:00:00\.000Z/);
    expect(text).toMatch(/\+ tuist:tailnet:TailnetPolicy tailnet-policy\n {2}\+ tailscale:index\/acl:Acl tailnet-policy-acl\n {6}provider: pulumi:providers:tailscale tailscale-tuist\n {6}retainOnDelete: true\n/);
    expect(text).toMatch(/\+ kubernetes:postgresql\.cnpg\.io\/v1:Pooler tuist\/tuist-tuist-pg-pooler-rw\n {6}provider: .*\n {6}dependsOn: .*\n {6}protect: true\n/);
    expect(text).toMatch(/\+ tailscale:index\/oauthClient:OauthClient vm-credential-oauth-client\n {6}provider: .*\n {6}dependsOn: tailscale:index\/acl:Acl tailnet-policy-acl\n {6}replaceOnChanges: \*\n/);
    expect(text).toContain('stringData: "[secret]"');
    expect(text).toContain('oauthClientSecret: "[secret]"');
    expect(text).not.toContain('offline-oauth-secret-of');
    expect(text).toMatch(/vmCredential:\n {4}kind: oauth-client\n(.*\n)* {4}expiresAt: never\n {4}nextRenewal: never\n/);
    expect(text).toMatch(/Guard rails: passed \(\d+ resources checked\)\.$/);
  });

  test.each(['staging', 'canary', 'production'])('%s: redaction leaves the committed configuration\'s preview readable (no false positives)', async (env) => {
    const { out, ctx } = context();
    expect(await main(['--env', env, '--now', '2026-03-10T12:00:00Z'], ctx)).toBe(0);
    expect(out.join('\n')).not.toContain('[REDACTED]');
  });

  test('fails when a guard rail is violated, naming the rule and the resource', async () => {
    jest.mocked(checkGuardRails).mockReturnValueOnce([{
      rule: 'policy-never-resets', resource: 'tailscale:index/acl:Acl::tailnet-policy-acl', message: 'resetAclOnDestroy is true. Fix: never set it.',
    }]);
    const { out, ctx } = context();
    expect(await main(['--env', 'staging', '--now', '2026-03-10T12:00:00Z'], ctx)).toBe(1);
    expect(out.join('\n')).toMatch(/Guard rails: 1 violation\(s\):\n {2}- \[policy-never-resets\] tailscale:index\/acl:Acl::tailnet-policy-acl: resetAclOnDestroy is true\. Fix: never set it\.$/);
  });

  test('previews against a copy of the live policy when given one', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'live-')), 'tuist.hujson');
    fs.writeFileSync(file, planPolicyWrite(loadModel(), production, '', { overwriteUnmanaged: true }).hujson);
    const { out, ctx } = context();
    expect(await main(['--env', 'canary', '--live-policy', file, '--now', '2026-03-10T12:00:00Z'], ctx)).toBe(0);
    expect(out.join('\n')).toMatch(/tailnetPolicy:\n {4}tailnet: tuist\n {4}revision: 2\n {4}writer: canary\n/);
  });

  test('fails when the live policy given was edited by hand, saying why', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'live-')), 'tuist.hujson');
    fs.writeFileSync(file, planPolicyWrite(loadModel(), canary, '', { overwriteUnmanaged: true }).hujson.replace('"tcp:22"', '"tcp:2222"'));
    await expect(main(['--env', 'canary', '--live-policy', file], context().ctx)).rejects.toThrow(/the live policy was changed outside Pulumi/);
  });

  test('fails when --env names no environment, listing them', async () => {
    const { err, ctx } = context();
    expect(await main(['--env', 'prod'], ctx)).toBe(2);
    expect(err.join('\n')).toBe('preview-offline: --env must name an environment (staging, canary, production); got "prod".');
  });

  test('fails when --now is not a date', async () => {
    const { err, ctx } = context();
    expect(await main(['--env', 'staging', '--now', 'tomorrow'], ctx)).toBe(2);
    expect(err.join('\n')).toMatch(/--now "tomorrow" is not a date; use ISO 8601/);
  });
});
