import * as path from 'node:path';
import { loadModel } from '../../src/config/load';
import { build } from '../../src/synth/build';
import { compareTrees, readTree } from '../../src/synth/output-tree';

const DIST = path.join(__dirname, '..', '..', 'dist');

describe('dist/', () => {
  const fresh = build(loadModel());

  test('the committed dist/ equals a fresh synthesis', () => {
    expect(compareTrees(fresh.files, readTree(DIST))).toEqual({ added: [], removed: [], changed: [] });
  });

  test('synthesizing twice gives byte-identical output', () => {
    expect([...build(loadModel()).files]).toEqual([...fresh.files]);
  });

  test('holds no Secret and nothing that looks like a credential', () => {
    for (const [file, content] of fresh.files) {
      expect({ file, secret: /^kind: Secret$/m.test(content) }).toEqual({ file, secret: false });
      expect({ file, credential: /tskey-[A-Za-z0-9]|-----BEGIN [A-Z ]*PRIVATE KEY|password:\s*\S/.test(content) }).toEqual({ file, credential: false });
    }
  });

  test('has one directory per environment', () => {
    const dirs = new Set([...fresh.files.keys()].map((f) => f.split('/')[0]));
    for (const env of fresh.model.environments) expect(dirs.has(env.name)).toBe(true);
  });
});
