import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageVersion, verdictCache } from '../../src/build-cache';

const dir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'verdicts-'));

describe('verdictCache (remembered verdicts; only ever saves time)', () => {
  test('keeps what was set across instances, in one file per name', () => {
    const where = dir();
    const first = verdictCache<boolean>(where, 'example');
    first.set('a', true);
    first.flush();
    expect(verdictCache<boolean>(where, 'example').get('a')).toBe(true);
    expect(verdictCache<boolean>(where, 'other').get('a')).toBeUndefined();
  });

  test('reads a file that is not an object of verdicts (null, a list, a number, truncated JSON) as an empty cache, and writes a good one', () => {
    for (const content of ['null', '[]', '42', '{"a": tr']) {
      const where = dir();
      fs.writeFileSync(path.join(where, 'example.json'), content);
      const cache = verdictCache<boolean>(where, 'example');
      expect(cache.get('a')).toBeUndefined();
      cache.set('b', true);
      cache.flush();
      expect(JSON.parse(fs.readFileSync(path.join(where, 'example.json'), 'utf8'))).toEqual({ b: true });
    }
  });

  test('remembers nothing without a directory', () => {
    const cache = verdictCache<boolean>(undefined, 'example');
    cache.set('a', true);
    cache.flush();
    expect(verdictCache<boolean>(undefined, 'example').get('a')).toBeUndefined();
  });
});

describe('packageVersion (part of the verdict caches\' names)', () => {
  test('reads the installed release of a package, also one whose exports hide its package.json', () => {
    expect(packageVersion('@marcbachmann/cel-js')).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '../../node_modules/@marcbachmann/cel-js/package.json'), 'utf8')).version);
    expect(packageVersion('kubernetes-models')).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('fails for a package that is not installed, saying how to install it', () => {
    expect(() => packageVersion('no-such-package-anywhere')).toThrow('The package no-such-package-anywhere is not installed; run `npm ci`.');
  });
});
