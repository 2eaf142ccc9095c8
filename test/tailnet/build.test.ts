import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main as synth } from '../../src/cli/synth';
import { loadModel } from '../../src/config/load';
import type { TailnetConfig } from '../../src/config/tailnets';
import { readTree } from '../../src/synth/output-tree';
import { buildTailnetPolicies } from '../../src/tailnet/build';
import { PolicyError } from '../../src/tailnet/verify';
import { ENVIRONMENTS, TAILNETS, staging, variant } from '../fixtures';

/** A tailnet whose tag admins are not an owner the control plane knows: every fragment's tag owners are invalid. */
const brokenTailnets: TailnetConfig[] = TAILNETS.map((t) => ({ ...t, tagAdmins: ['tuist-admins'] }));

describe('buildTailnetPolicies', () => {
  test('builds a policy only for tailnets with environments on them', () => {
    const elsewhere = { ...TAILNETS[0]!, name: 'tuist-elsewhere' };
    const moved = variant(staging, (d) => { d.tailnet.tailnet = elsewhere.name; });
    expect(buildTailnetPolicies(loadModel([moved], [...TAILNETS, elsewhere])).map((p) => p.tailnet.name)).toEqual([elsewhere.name]);
  });

  test('fails when a tailnet\'s configuration yields an invalid policy, with one error for every tailnet', () => {
    expect(() => buildTailnetPolicies(loadModel(ENVIRONMENTS, brokenTailnets))).toThrow(PolicyError);
    expect(() => buildTailnetPolicies(loadModel(ENVIRONMENTS, brokenTailnets))).toThrow(/^Tailnet policy of "tuist" is not safe to apply \(\d+ problem\(s\), \d+ failing policy test\(s\)\):\n {2}- tailnet "tuist", tagOwners\["[^"]+"\]\[0\]: "tuist-admins" is not a tag, group or user/);
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
