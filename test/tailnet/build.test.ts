import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main as synth } from '../../src/cli/synth';
import { loadModel } from '../../src/config/load';
import type { TailnetConfig } from '../../src/config/tailnets';
import { readTree } from '../../src/synth/output-tree';
import { buildTailnetPolicies } from '../../src/tailnet/build';
import { PolicyError } from '../../src/tailnet/verify';
import { ENVIRONMENTS, TAILNETS, staging } from '../fixtures';

const brokenTailnets: TailnetConfig[] = TAILNETS.map((t) => (t.name === 'tuist-staging' ? { ...t, operations: { group: 'tuist-ops', members: ['oncall@tuist.dev'] } } : t));

describe('buildTailnetPolicies', () => {
  test('builds a policy only for tailnets with environments on them', () => {
    expect(buildTailnetPolicies(loadModel([staging])).map((p) => p.tailnet.name)).toEqual(['tuist-staging']);
  });

  test('fails when a tailnet\'s configuration yields an invalid policy, with one error for every tailnet', () => {
    expect(() => buildTailnetPolicies(loadModel(ENVIRONMENTS, brokenTailnets))).toThrow(PolicyError);
    expect(() => buildTailnetPolicies(loadModel(ENVIRONMENTS, brokenTailnets))).toThrow(/^Tailnet policy of "tuist-staging" is not safe to apply \(\d+ problem\(s\), \d+ failing policy test\(s\)\):\n {2}- tailnet "tuist-staging", grants\[2\]\.src\[0\]: "tuist-ops" is not a tag, group or user/);
  });
});

describe('synth with a policy that fails', () => {
  test('fails and leaves the previous dist/ untouched', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synth-policy-')), 'dist');
    const ctx = (tailnets: readonly TailnetConfig[]) => ({ environments: ENVIRONMENTS, tailnets, stdout: () => {}, stderr: () => {} });
    expect(synth(['--out', dir, '-q'], ctx(TAILNETS))).toBe(0);
    const before = readTree(dir);
    expect(() => synth(['--out', dir], ctx(brokenTailnets))).toThrow(PolicyError);
    expect(readTree(dir)).toEqual(before);
  });
});
