import * as fs from 'node:fs';
import * as path from 'node:path';
import { environmentFile, setImage, tagProblems } from '../../src/release/set-image';
import { TAILNETS, canary, production, staging } from '../fixtures';
import { ROOT, read, tempRoot } from './temp-root';

describe('tagProblems (the rules of src/config/validate.ts)', () => {
  test('accepts semver and digests everywhere, other pinned tags in staging only', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(tagProblems(production, TAILNETS, 'processor', '4.113.0')).toEqual([]);
    expect(tagProblems(canary, TAILNETS, 'xcresult-processor', 'v4.113.0-rc.1')).toEqual([]);
    expect(tagProblems(production, TAILNETS, 'xcresult-processor', digest)).toEqual([]);
    expect(tagProblems(staging, TAILNETS, 'processor', 'c6d08f92')).toEqual([]);
  });

  test('fails when the tag floats, in any environment', () => {
    expect(tagProblems(staging, TAILNETS, 'processor', 'latest')).toEqual(['environment "staging", processor.image.tag: "latest" is a floating tag; pin a version or a digest so every synth renders what runs.']);
  });

  test('fails when a canary or production tag is not semver', () => {
    expect(tagProblems(canary, TAILNETS, 'xcresult-processor', 'c6d08f92')).toEqual([expect.stringContaining('"c6d08f92" is neither a semver release nor an sha256 digest, which canary requires')]);
    expect(tagProblems(production, TAILNETS, 'processor', '4.113')).toEqual([expect.stringContaining('production requires')]);
  });

  test('fails when the tag is not image-tag syntax', () => {
    expect(tagProblems(staging, TAILNETS, 'processor', '-rc')).toEqual([expect.stringContaining('"-rc" is not an image tag')]);
    expect(tagProblems(staging, TAILNETS, 'processor', 'a'.repeat(129))).toHaveLength(1);
  });
});

describe('setImage', () => {
  test('pins the tag, then synthesizes from the edited file', () => {
    const root = tempRoot();
    let seen = '';
    const result = setImage({ root, environment: canary, tailnets: TAILNETS, component: 'xcresult-processor', tag: '4.113.0', synthesize: () => { seen = read(root, 'canary'); return 0; } });
    expect(result).toEqual({ outcome: 'pinned', file: environmentFile('canary'), previous: '4.112.0' });
    expect(seen).toContain("repository: 'ghcr.io/tuist/xcresult-processor', tag: '4.113.0'");
    expect(read(root, 'canary')).toBe(seen);
    expect(read(root, 'production')).toBe(fs.readFileSync(path.join(ROOT, environmentFile('production')), 'utf8'));
  });

  test('fails when synthesis fails, and restores the file', () => {
    const root = tempRoot();
    const before = read(root, 'canary');
    const result = setImage({ root, environment: canary, tailnets: TAILNETS, component: 'processor', tag: '4.113.0', synthesize: () => 1 });
    expect(result).toEqual({ outcome: 'synth-failed', file: environmentFile('canary'), exitCode: 1 });
    expect(read(root, 'canary')).toBe(before);
  });

  test('fails when synthesis cannot even start, and restores the file', () => {
    const root = tempRoot();
    const before = read(root, 'canary');
    expect(() => setImage({ root, environment: canary, tailnets: TAILNETS, component: 'processor', tag: '4.113.0', synthesize: () => { throw new Error('spawn failed'); } })).toThrow('spawn failed');
    expect(read(root, 'canary')).toBe(before);
  });

  test('refuses a bad tag without writing or synthesizing', () => {
    const root = tempRoot();
    const before = read(root, 'production');
    const synthesize = jest.fn(() => 0);
    expect(setImage({ root, environment: production, tailnets: TAILNETS, component: 'processor', tag: 'main', synthesize }).outcome).toBe('refused');
    expect(synthesize).not.toHaveBeenCalled();
    expect(read(root, 'production')).toBe(before);
  });

  test('fails when the environment file does not exist, naming it', () => {
    const root = tempRoot();
    fs.rmSync(path.join(root, environmentFile('canary')));
    expect(() => setImage({ root, environment: canary, tailnets: TAILNETS, component: 'processor', tag: '4.113.0', synthesize: () => 0 })).toThrow(/src\/config\/environments\/canary.ts does not exist under/);
  });

  test('does nothing when the tag is already pinned', () => {
    const synthesize = jest.fn(() => 0);
    expect(setImage({ root: tempRoot(), environment: staging, tailnets: TAILNETS, component: 'processor', tag: 'c6d08f92', synthesize })).toEqual({ outcome: 'unchanged', file: environmentFile('staging') });
    expect(synthesize).not.toHaveBeenCalled();
  });
});
