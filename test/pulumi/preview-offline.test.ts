import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/preview-offline';
import { checkGuardRails } from '../../src/pulumi/guard-rails';
import { policyFromCode } from '../../src/pulumi/offline-run';
import { loadModel } from '../../src/config/load';
import { ENVIRONMENT_LIST, captureContext as context, canary, unusedEnvironmentName } from '../fixtures';
import { poolerProxyTags } from '../../src/tailnet/paths';

const LIVE_POLICY = path.join(__dirname, '../fixtures/tailnet/live-policy.hujson');



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
    expect(text).toMatch(/\+ tuist:tailnet:TailnetPolicy tailnet-policy\n {2}\+ pulumi-nodejs:dynamic\/tailnet:PolicyDocument tailnet-policy-document\n {6}retainOnDelete: true\n/);
    expect(text).toMatch(/ {6}ownershipKey: "\[secret\]"\n/);
    expect(text).toMatch(/__provider: "\[serialized provider, \d+ characters\]"/);
    expect(text).toMatch(/Tailnet policy "tuist", environment "production": revision \d+ live; nothing to write/);
    expect(text).toMatch(/\+ kubernetes:postgresql\.cnpg\.io\/v1:Pooler tuist\/tuist-tuist-pg-pooler-rw\n {6}provider: .*\n {6}dependsOn: .*\n {6}protect: true\n/);
    expect(text).toMatch(/\+ tailscale:index\/oauthClient:OauthClient vm-credential-oauth-client\n {6}provider: .*\n {6}dependsOn: pulumi-nodejs:dynamic\/tailnet:PolicyDocument tailnet-policy-document\n {6}replaceOnChanges: \*\n/);
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

  test('previews the adoption of a hand-written live policy: each entry kept, taken over, added or changed, and the cross-environment paths', async () => {
    const { out, ctx } = context();
    expect(await main(['--env', 'canary', '--live-policy', LIVE_POLICY, '--now', '2026-03-10T12:00:00Z'], ctx)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('Ownership markers are read, not verified');
    expect(text).toMatch(/Tailnet policy "tuist", environment "canary": adopting a policy this stack never wrote; writes revision 1 \(\d+ taken over, \d+ added, (\d+ changed, )?(\d+ withheld, )?\d+ kept\)\./);
    expect(text).toMatch(/\n {2}taken over .* — it says what the environment generates\n/);
    expect(text).toMatch(/\n {2}kept {7}grants\[0\] \(people\): \{"dst":\["\*"\],"ip":\["\*"\],"src":\["\*"\]\}\n/);
    expect(text).toMatch(/\n {2}cross-environment path: grants\[0\] \(people\) opens [^:]*canary → production/);
    expect(text).not.toMatch(/\n {2}removed/);
    expect(text).toMatch(/tailnetPolicy:\n {4}tailnet: tuist\n {4}environment: canary\n {4}revision: 1\n {4}liveBefore: adopting\n/);
  });

  test.each(['staging', 'canary', 'production'])('%s previews the adoption of the hand-written policy with no deletion, every people-owned entry kept', async (name) => {
    const { out, ctx } = context();
    expect(await main(['--env', name, '--live-policy', LIVE_POLICY, '--now', '2026-03-10T12:00:00Z'], ctx)).toBe(0);
    const text = out.join('\n');
    const env = loadModel().environments.find((e) => e.name === name)!;
    expect(text).toMatch(new RegExp(`Tailnet policy "${env.tailnet.tailnet}", environment "${name}": adopting a policy this stack never wrote; writes revision 1`));
    expect(text).not.toMatch(/\n {2}removed/);
    expect(text).toMatch(/\n {2}kept {7}autoApprovers\["routes"\] \(people\)/);
    const peers = loadModel().environments.filter((e) => e.name !== name && e.tailnet.tailnet === env.tailnet.tailnet);
    if (peers.length > 0) expect(text).toMatch(new RegExp(`cross-environment path: grants\\[0\\] \\(people\\) opens .*${name} → ${peers[0]!.name}`));
    expect(text).toMatch(/Guard rails: passed/);
  });

  test('fails when an entry the stack wrote was edited in the copy of the live policy, saying which', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'live-')), 'tuist.hujson');
    const live = policyFromCode(loadModel(), canary.tailnet.tailnet);
    const grant = `"src": ["${canary.tailnet.vmTag}"], "dst": ["${poolerProxyTags(canary)[0]}"], "ip": ["tcp:5432"`;
    expect(live).toContain(grant);
    fs.writeFileSync(file, live.replace(grant, `${grant}, "tcp:2222"`));
    await expect(main(['--env', 'canary', '--live-policy', file], context().ctx)).rejects.toThrow(/changed outside Pulumi \(admin console\):\n {2}- grants\[\+\]: written as/);
  });

  test('fails when --env names no environment, listing them', async () => {
    const { err, ctx } = context();
    const unknown = unusedEnvironmentName('prod');
    expect(await main(['--env', unknown], ctx)).toBe(2);
    expect(err.join('\n')).toBe(`preview-offline: --env must name an environment (${ENVIRONMENT_LIST}); got "${unknown}".`);
  });

  test('fails when --now is not a date', async () => {
    const { err, ctx } = context();
    expect(await main(['--env', 'staging', '--now', 'tomorrow'], ctx)).toBe(2);
    expect(err.join('\n')).toMatch(/--now "tomorrow" is not a date; use ISO 8601/);
  });
});
