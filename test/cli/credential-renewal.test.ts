import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/credential-renewal';
import { DAY_MS } from '../../src/pulumi/credential-rotation';
import { ENVIRONMENT_LIST, captureContext as context, unusedEnvironmentName } from '../fixtures';

const NOW = '2027-03-10T06:17:00Z';
const at = (days: number) => new Date(Date.parse(NOW) + days * DAY_MS).toISOString();
const URN = 'urn:pulumi:staging::tuist-tailnet-pooler::tuist:tailnet:MintedVmCredential$tailscale:index/tailnetKey:TailnetKey::vm-credential-auth-key';

function statusFile(status: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'renewal-')), 'status.json');
  fs.writeFileSync(file, typeof status === 'string' ? status : JSON.stringify(status));
  return file;
}

async function decide(status: unknown, extra: string[] = []) {
  const { out, err, ctx } = context();
  const code = await main(['--env', 'staging', '--status', statusFile(status), '--now', NOW, ...extra], ctx);
  const outputs = Object.fromEntries(out.join('\n').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { code, outputs, err: err.join('\n') };
}

describe('credential-renewal command', () => {
  test('renews a key from its next renewal on, naming its URN and what the alert says when the renewal fails', async () => {
    const { code, outputs } = await decide({ kind: 'auth-key', expiresAt: at(13), nextRenewal: at(-1), urn: URN, tags: ['tag:x'] });
    expect(code).toBe(0);
    expect(outputs).toEqual({
      renew: 'true',
      urn: URN,
      message: expect.stringMatching(/^staging: the VM auth-key expires at .* \(13 days left\), due for renewal since /),
      failure: expect.stringMatching(/^staging: renewing the VM credential failed; .*13 days left.*Fix: /),
    });
  });

  test('leaves a key inside its window alone', async () => {
    expect((await decide({ kind: 'auth-key', expiresAt: at(20), nextRenewal: at(4), urn: URN })).outputs).toMatchObject({ renew: 'false', message: expect.stringContaining('renewed from') });
  });

  test('never renews an OAuth client', async () => {
    expect((await decide({ kind: 'oauth-client', expiresAt: 'never', nextRenewal: 'never', urn: URN })).outputs).toMatchObject({ renew: 'false', message: expect.stringContaining('never expires') });
  });

  test('says when the key has already expired, and still renews it', async () => {
    expect((await decide({ kind: 'auth-key', expiresAt: at(-2), nextRenewal: at(-16), urn: URN })).outputs).toMatchObject({ renew: 'true', message: expect.stringContaining('EXPIRED at') });
  });

  test('fails, naming the missing facts and the fix, on an output of an older program', async () => {
    const { code, err } = await decide({ kind: 'auth-key', expiresAt: at(3), rotatesFrom: at(-1) });
    expect(code).toBe(1);
    expect(err).toBe('credential-renewal: the stack output vmCredential of "staging" has no nextRenewal, urn (keys found: kind, expiresAt, rotatesFrom). Fix: run `pulumi up --stack staging` once with this commit\'s program, which exports them.');
  });

  test('fails on a status that is not JSON, and on a bad date, never printing the file', async () => {
    expect((await decide('not json')).code).toBe(1);
    await expect(decide({ kind: 'auth-key', expiresAt: 'soon', nextRenewal: at(1), urn: URN })).rejects.toThrow(/vmCredential.expiresAt is "soon", neither an RFC 3339 time nor "never"/);
  });

  test('usage errors exit 2', async () => {
    const { err, ctx } = context();
    const unknown = unusedEnvironmentName('prod');
    expect(await main(['--env', unknown, '--status', 'x'], ctx)).toBe(2);
    expect(err.join('\n')).toBe(`credential-renewal: --env must name an environment (${ENVIRONMENT_LIST}); got "${unknown}".`);
    expect(await main(['--env', 'staging'], context().ctx)).toBe(2);
    expect(await main(['--env', 'staging', '--status', 'x', '--now', 'tomorrow'], context().ctx)).toBe(2);
  });
});
