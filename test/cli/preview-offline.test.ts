import { main } from '../../src/cli/preview-offline';
import { captureContext as context } from '../fixtures';

describe('preview-offline command', () => {
  test('--json prints resources, outputs and the verdict for machines, secrets redacted', async () => {
    const { out, ctx } = context();
    expect(await main(['--env', 'production', '--now', '2026-03-10T12:00:00Z', '--json'], ctx)).toBe(0);
    const text = out.join('\n');
    const json = JSON.parse(text);
    expect(json).toEqual(expect.objectContaining({ stack: 'production', now: '2026-03-10T12:00:00.000Z', ok: true, violations: [] }));
    expect(json.resources.length).toBeGreaterThan(3);
    for (const resource of json.resources) expect(Object.keys(resource)).not.toContain('inputs');
    expect(text).toContain('"[secret]"');
    expect(text).not.toContain('offline-auth-key-of');
  });

  test('fails when --live-policy names a missing file, before running anything', async () => {
    await expect(main(['--env', 'canary', '--live-policy', '/nonexistent/tuist.hujson'], context().ctx)).rejects.toThrow(expect.objectContaining({
      exitCode: 2, message: expect.stringMatching(/^--live-policy \/nonexistent\/tuist\.hujson: no such file \(resolved to \/nonexistent\/tuist\.hujson\)\. Fix: /),
    }));
  });
});
