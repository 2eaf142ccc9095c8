import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VM_ENV, pinHostsValue } from '../../src/config/vm';

const repo = join(__dirname, '..', '..');

describe('pinHostsValue', () => {
  test('joins name=tag pairs in the order given', () => {
    expect(pinHostsValue([{ hostname: 'tuist-pg-pooler-staging', tag: 'tag:tuist-pg-pooler-staging' }, { hostname: 'otel', tag: 'tag:k8s' }]))
      .toBe('tuist-pg-pooler-staging=tag:tuist-pg-pooler-staging,otel=tag:k8s');
  });

  test('fails when a hostname is not one lowercase label, a tag is malformed, or nothing is pinned', () => {
    expect(() => pinHostsValue([{ hostname: 'Pooler.example', tag: 'tag:a' }])).toThrow(/TAILSCALE_PIN_HOSTS: hostname "Pooler.example" is not one lowercase DNS label/);
    expect(() => pinHostsValue([{ hostname: 'pooler', tag: 'tuist' }])).toThrow(/tag "tuist" of pooler is not "tag:"/);
    expect(() => pinHostsValue([])).toThrow(/no name to pin/);
  });

  test('what it renders is what vm/tailscale-up.sh accepts (and a value it refuses is refused there too)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-config-'));
    const status = join(dir, 'status.json');
    writeFileSync(status, JSON.stringify({ BackendState: 'NeedsLogin' }));
    const run = (value: string): string => {
      try {
        return execFileSync('bash', [join(repo, 'vm', 'tailscale-up.sh'), '--refresh-hosts'], {
          env: { PATH: process.env.PATH, [VM_ENV.pinHosts]: value, TMPDIR: dir, HOSTS_FILE: join(dir, 'hosts'), TAILSCALE_BIN: 'true' },
          stdio: ['ignore', 'pipe', 'pipe'],
        }).toString();
      } catch (error) {
        return String((error as { stderr?: Buffer }).stderr);
      }
    };
    expect(run(pinHostsValue([{ hostname: 'tuist-pg-pooler-staging', tag: 'tag:tuist-pg-pooler-staging' }]))).not.toMatch(/TAILSCALE_PIN_HOSTS=/);
    expect(run('tuist-pg-pooler-staging')).toMatch(/TAILSCALE_PIN_HOSTS=tuist-pg-pooler-staging is not/);
  });
});
