import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareTrees, readTree, writeTreeAtomically } from '../../src/synth/output-tree';

describe('writeTreeAtomically', () => {
  let root: string;
  beforeEach(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'tree-')); });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('replaces the tree with exactly the given files, leaving no staging directories', () => {
    const dir = path.join(root, 'dist');
    writeTreeAtomically(dir, new Map([['a/old.yaml', 'old'], ['b.yaml', 'b']]));
    writeTreeAtomically(dir, new Map([['a/new.yaml', 'new'], ['b.yaml', 'b2']]));
    expect([...readTree(dir)]).toEqual([['a/new.yaml', 'new'], ['b.yaml', 'b2']]);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  test('fails when a path escapes the directory, leaving the previous tree untouched', () => {
    const dir = path.join(root, 'dist');
    writeTreeAtomically(dir, new Map([['keep.yaml', 'keep']]));
    expect(() => writeTreeAtomically(dir, new Map([['ok.yaml', 'x'], ['../escape.yaml', 'x']]))).toThrow(/outside the output directory/);
    expect([...readTree(dir)]).toEqual([['keep.yaml', 'keep']]);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  test('writes nothing when the directory already holds exactly these files, and rewrites it when one differs', () => {
    const dir = path.join(root, 'dist');
    writeTreeAtomically(dir, new Map([['a/x.yaml', 'x'], ['b.yaml', 'b']]));
    const inode = fs.statSync(dir).ino;
    writeTreeAtomically(dir, new Map([['a/x.yaml', 'x'], ['b.yaml', 'b']]));
    expect(fs.statSync(dir).ino).toBe(inode);
    fs.writeFileSync(path.join(dir, 'extra.yaml'), 'stale');
    writeTreeAtomically(dir, new Map([['a/x.yaml', 'x'], ['b.yaml', 'b']]));
    expect([...readTree(dir)]).toEqual([['a/x.yaml', 'x'], ['b.yaml', 'b']]);
    expect(fs.statSync(dir).ino).not.toBe(inode);
  });

  test('compareTrees reports added, removed and changed files', () => {
    expect(compareTrees(new Map([['a', '1'], ['b', '2']]), new Map([['b', '3'], ['c', '4']])))
      .toEqual({ added: ['a'], removed: ['c'], changed: ['b'] });
  });
});
