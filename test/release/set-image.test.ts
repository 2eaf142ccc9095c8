import * as fs from 'node:fs';
import * as path from 'node:path';
import { environmentFile, setImage, tagProblems } from '../../src/release/set-image';
import { TAILNETS, canary, production, staging } from '../fixtures';
import { ROOT, read, tempRoot } from './temp-root';

describe('tagProblems (the rules of src/config/validate.ts)', () => {
  test('accepts CI build tags, semver and digests everywhere', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(tagProblems(production, TAILNETS, 'processor', '4.113.0')).toEqual([]);
    expect(tagProblems(canary, TAILNETS, 'xcresult-processor', 'v4.113.0-rc.1')).toEqual([]);
    expect(tagProblems(production, TAILNETS, 'xcresult-processor', digest)).toEqual([]);
    expect(tagProblems(production, TAILNETS, 'processor', 'sha-0123456789ab')).toEqual([]);
  });

  test('fails when the tag floats, in any environment, naming the tag and what is allowed', () => {
    expect(tagProblems(staging, TAILNETS, 'processor', 'latest')).toEqual([expect.stringMatching(/^environment "staging", processor.image.tag: "latest" is a floating tag.*Allowed: a CI build tag "sha-<7 to 40 lowercase hex>"/)]);
    expect(tagProblems(canary, TAILNETS, 'xcresult-processor', 'c6d08f92')).toEqual([expect.stringContaining('"c6d08f92" is a floating tag')]);
    expect(tagProblems(production, TAILNETS, 'processor', '4.113')).toEqual([expect.stringContaining('"4.113" is a floating tag')]);
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
    const tag = ['sha-0123456789ab', 'sha-ba9876543210'].find((t) => t !== canary.xcresultProcessor.image.tag)!;
    const result = setImage({ root, environment: canary, tailnets: TAILNETS, component: 'xcresult-processor', tag, synthesize: () => { seen = read(root, 'canary'); return 0; } });
    expect(result).toEqual({ outcome: 'pinned', file: environmentFile('canary'), previous: canary.xcresultProcessor.image.tag });
    expect(seen).toContain(`repository: '${canary.xcresultProcessor.image.repository}', tag: '${tag}'`);
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
    expect(setImage({ root: tempRoot(), environment: staging, tailnets: TAILNETS, component: 'processor', tag: staging.processor.image.tag, synthesize })).toEqual({ outcome: 'unchanged', file: environmentFile('staging') });
    expect(synthesize).not.toHaveBeenCalled();
  });
});
