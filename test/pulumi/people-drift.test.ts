import { loadModel } from '../../src/config/load';
import { parseLivePolicy, planPolicyWrite, writeIntent } from '../../src/pulumi/policy-writer';
import { peopleDriftReport } from '../../src/pulumi/tailnet-policy';
import { basePolicyFragment, environmentPolicyFragment, normalizeDocument } from '../../src/tailnet';
import { splitPeopleOwned } from '../../src/tailnet/people';
import { canary } from '../fixtures';
import { LIVE_FIXTURE } from './adoption-contract';
import { steadyState, testKey } from './run-stack';

const model = loadModel();
const tailnet = model.tailnets.find((t) => t.name === canary.tailnet.tailnet)!;
const onTailnet = model.environments.filter((e) => e.tailnet.tailnet === tailnet.name);
const fragments = [basePolicyFragment(tailnet, onTailnet), ...onTailnet.map((e) => environmentPolicyFragment(e, tailnet))];
/** A snapshot imported from the fixture, as `npm run policy:import` would. */
const snapshot = splitPeopleOwned(normalizeDocument(parseLivePolicy(LIVE_FIXTURE, 'fixture')), fragments).people;
const report = (live: string) => peopleDriftReport(model, canary, live, () => snapshot);

describe('preview: the live people-owned part against its committed snapshot', () => {
  test('no drift on the policy the snapshot was imported from, nor after every stack wrote its entries into it', () => {
    expect(report(LIVE_FIXTURE)).toEqual([]);
    expect(report(steadyState(model, tailnet.name, LIVE_FIXTURE))).toEqual([]);
  });

  test('a console edit of a people-owned entry is reported as drift, naming the entry, with the fix; it never blocks', () => {
    const edited = steadyState(model, tailnet.name, LIVE_FIXTURE).replace('"tag:tuist-rack-edge": ["autogroup:admin"]', '"tag:tuist-rack-edge": ["autogroup:admin", "autogroup:owner"]');
    const lines = report(edited);
    expect(lines[0]).toMatch(/^People-owned part of tailnet "tuist" differs from its committed snapshot \(src\/config\/tailnet-people\/tuist\.hujson\)/);
    expect(lines.join('\n')).toMatch(/drift tagOwners: .*tag:tuist-rack-edge.*autogroup:owner/);
    expect(lines.at(-1)).toMatch(/^Fix: export the policy from the admin console and run `npm run policy:import`/);
    expect(planPolicyWrite(writeIntent(model, canary), edited, testKey(canary.name)).hujson).toContain('"tag:tuist-rack-edge": ["autogroup:admin", "autogroup:owner"]');
  });

  test('says so when there is no snapshot to compare with, or nothing people-owned live', () => {
    expect(peopleDriftReport(model, canary, LIVE_FIXTURE, () => undefined)).toEqual([expect.stringMatching(/no committed snapshot \(src\/config\/tailnet-people\/tuist\.hujson\), so offline runs cannot prove it\. Fix: /)]);
    expect(report(steadyState(model, tailnet.name))).toEqual([expect.stringMatching(/the live policy holds none/)]);
  });
});
