import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/synth';
import { ConfigError } from '../../src/config/load';
import { readTree } from '../../src/synth/output-tree';
import { STAGING_WITHOUT_JOIN } from '../checks/helpers';
import { ENVIRONMENTS, TAILNETS, captureContext as context, canary, staging, variant } from '../fixtures';



describe('synth command', () => {
  let dir: string;
  beforeEach(() => { dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synth-')), 'dist'); });

  test('writes every environment and prints a summary', () => {
    const { out, ctx } = context();
    expect(main(['--out', dir], ctx)).toBe(0);
    const exposure = staging.pooler.tailnetExposure as { hostname: string; tags: readonly string[] };
    expect(out.join('\n')).toContain(`${exposure.hostname} (${exposure.tags.join(', ')})`);
    expect(out.join('\n').split('\n').filter((l) => l.length > 100)).toEqual([]);
    expect([...readTree(dir).keys()]).toEqual(expect.arrayContaining(['staging/pooler.tuist-tuist-pg-pooler-rw.yaml', 'production/deployment.tuist-tuist-xcresult-processor.yaml']));
  });

  test('fails on a bad configuration, naming environment and field, and leaves the previous dist/ untouched', () => {
    main(['--out', dir, '-q'], context().ctx);
    const before = readTree(dir);
    const broken = ENVIRONMENTS.map((e) => (e.name === 'canary' ? variant(canary, (d) => { d.xcresultProcessor.image.tag = 'latest'; }) : e));
    expect(() => main(['--out', dir], context(broken).ctx)).toThrow(ConfigError);
    expect(() => main(['--out', dir], context(broken).ctx)).toThrow(/environment "canary", xcresultProcessor.image.tag: "latest" is a floating tag/);
    expect(readTree(dir)).toEqual(before);
  });

  test('--json prints what was written and every check result', () => {
    const { out, ctx } = context();
    expect(main(['--out', dir, '--json'], ctx)).toBe(0);
    const json = JSON.parse(out.join('\n'));
    expect(json).toEqual(expect.objectContaining({ ok: true, outDir: dir, written: readTree(dir).size, checks: expect.objectContaining({ ok: true, results: expect.any(Array) }) }));
    expect(main(['--out', dir, '--check', '--json'], context().ctx)).toBe(0);
  });

  test('--json fails like the text form when a check fails, and writes nothing', () => {
    const { out, ctx } = context(STAGING_WITHOUT_JOIN);
    expect(main(['--out', dir, '--json'], ctx)).toBe(1);
    expect(JSON.parse(out.join('\n'))).toEqual(expect.objectContaining({ ok: false, written: 0 }));
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('--check fails on a stale dist/ and says how to fix it', () => {
    main(['--out', dir, '-q'], context().ctx);
    fs.writeFileSync(path.join(dir, 'staging', 'pooler.tuist-tuist-pg-pooler-rw.yaml'), 'edited by hand\n');
    const { err, ctx } = context();
    expect(main(['--out', dir, '--check'], ctx)).toBe(1);
    expect(err.join('\n')).toMatch(/is stale[\s\S]*changed: .*staging\/pooler.tuist-tuist-pg-pooler-rw.yaml[\s\S]*Fix: run `npm run synth`/);
  });

  test('--check passes on a fresh dist/', () => {
    main(['--out', dir, '-q'], context().ctx);
    expect(main(['--out', dir, '--check'], context().ctx)).toBe(0);
  });

  test('rejects unknown options', () => {
    expect(() => main(['--bogus'], context().ctx)).toThrow(/Unknown option '--bogus'/);
  });

  test('synthesizes a configuration variant without touching other environments', () => {
    // Alone on a tailnet of its own (the shared tailnet's people-owned part names the other environments' tags).
    const solo = { ...TAILNETS[0]!, name: 'tuist-solo' };
    const env = variant(staging, (d) => { d.xcresultProcessor.replicas = 3; d.xcresultProcessor.fleet.hosts = 3; d.tailnet.tailnet = solo.name; });
    const { ctx } = context([env]);
    expect(main(['--out', dir, '-q'], { ...ctx, tailnets: [...TAILNETS, solo] })).toBe(0);
    // Only staging's files, plus the policy of the one tailnet staging is on.
    expect([...readTree(dir).keys()].filter((f) => !f.startsWith('staging/'))).toEqual([`tailnet/${solo.name}.hujson`, `tailnet/${solo.name}.matrix.md`]);
  });
});
