/**
 * The people-owned part: split off a policy exported from the admin console (or live), imported
 * into a committed snapshot by `npm run policy:import`, and what synthesis composes with.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main as policyImport } from '../../src/cli/policy-import';
import { canonicalJson } from '../../src/tailnet/attribution';
import { composeTailnetPolicy } from '../../src/tailnet/compose';
import { environmentEntryOwner, peopleDrift, peopleSnapshotFile, readPeopleSnapshot, splitPeopleOwned } from '../../src/tailnet/people';
import { parsePolicyHujson, renderPolicyHujson } from '../../src/tailnet/render';
import { ENVIRONMENTS, TAILNETS, captureContext } from '../fixtures';
import { LIVE_POLICY_FILE, fragmentsOf, liveFixtureEnvironments, livePolicy, livePolicyText, policies } from './fixtures';

const tailnet = TAILNETS.find((t) => t.name === ENVIRONMENTS[0]!.tailnet.tailnet)!;
const fragments = fragmentsOf(tailnet);
const live = livePolicy();

describe('splitPeopleOwned', () => {
  const { people, takenOver } = splitPeopleOwned(live, fragments);

  test('every live entry is either kept people-owned or taken over by exactly one environment: nothing is lost', () => {
    for (const section of ['grants', 'ssh', 'tests', 'sshTests'] as const) {
      expect(people[section].length + takenOver.filter((t) => t.path.startsWith(`${section}[`)).length).toBe(live[section].length);
    }
    expect(Object.keys(people.tagOwners).length + takenOver.filter((t) => t.path.startsWith('tagOwners[')).length).toBe(Object.keys(live.tagOwners).length);
  });

  test('keeps capability grants, autogroup and CIDR rules, other systems\' tags, autoApprovers, nodeAttrs and postures', () => {
    expect(people.grants.filter((g) => g.app !== undefined)).toHaveLength(live.grants.filter((g) => g.app !== undefined).length);
    expect(people.grants.some((g) => g.src.includes('*'))).toBe(true);
    expect(people.grants.some((g) => g.dst.some((d) => d.includes('/')))).toBe(true);
    expect(people.ssh.every((r) => r.action === 'check' || r.src.some((s) => !s.startsWith('tag:')))).toBe(true);
    for (const section of ['autoApprovers', 'nodeAttrs', 'postures']) expect(people[section]).toEqual(live[section]);
  });

  test('takes over only entries between one environment\'s own tags, and the tag owners of the fragments\' tags', () => {
    for (const t of takenOver) {
      const section = t.path.slice(0, t.path.indexOf('['));
      if (section === 'tagOwners') expect(fragments.find((f) => f.owner === t.owner)!.tags).toContain(JSON.parse(t.path.slice('tagOwners['.length, -1)));
      else expect(environmentEntryOwner(section, t.entry, fragments)).toBe(t.owner);
    }
  });

  test('an entry with a capability, a posture, a person or two environments\' tags is never an environment\'s', () => {
    const [a, b] = ENVIRONMENTS;
    const own = { src: [a!.tailnet.vmTag], dst: [a!.tailnet.clusterTag], ip: ['tcp:1'] };
    expect(environmentEntryOwner('grants', own, fragments)).toBe(a!.name);
    expect(environmentEntryOwner('grants', { ...own, app: { 'tailscale.com/cap/kubernetes': [] } }, fragments)).toBeUndefined();
    expect(environmentEntryOwner('grants', { ...own, srcPosture: ['posture:x'] }, fragments)).toBeUndefined();
    expect(environmentEntryOwner('grants', { ...own, src: ['someone@tuist.dev'] }, fragments)).toBeUndefined();
    expect(environmentEntryOwner('grants', { ...own, dst: [b!.tailnet.clusterTag] }, fragments)).toBeUndefined();
    expect(environmentEntryOwner('ssh', { action: 'check', src: [a!.tailnet.clusterTag], dst: [a!.tailnet.vmTag], users: ['x'] }, fragments)).toBeUndefined();
  });

  test('lists the explicit accesses the fragments no longer grant: only the pooler port on each cluster tag the fixture knows', () => {
    expect(splitPeopleOwned(live, fragments).lost.map((l) => `${l.src}>${l.dst}>${l.port}`).sort())
      .toEqual(liveFixtureEnvironments().map((e) => `${e.tailnet.vmTag}>${e.tailnet.clusterTag}>tcp:5432`).sort());
  });
});

describe('the live fixture round-trips losslessly', () => {
  test('parse, render and parse again gives the same document, every section included', () => {
    const policy = { ...policies()[tailnet.name]!, document: live, peopleCounts: undefined, isolation: undefined, withheld: undefined };
    expect(parsePolicyHujson(renderPolicyHujson(policy))).toStrictEqual(live);
  });
});

describe('npm run policy:import', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-import-')); });

  test('the committed snapshot is what importing the live fixture writes', () => {
    const out = path.join(dir, 'people.hujson');
    const { out: printed, ctx } = captureContext();
    expect(policyImport([LIVE_POLICY_FILE, '--out', out], ctx)).toBe(0);
    expect(parsePolicyHujson(fs.readFileSync(out, 'utf8'))).toStrictEqual(readPeopleSnapshot(tailnet.name));
    expect(printed.join('\n')).toMatch(/Explicit access the fragments no longer grant \(\d+\)/);
  });

  test('synthesis composes with the committed snapshot', () => {
    const snapshot = readPeopleSnapshot(tailnet.name)!;
    const doc = policies()[tailnet.name]!.document;
    expect(doc.grants.slice(0, snapshot.grants.length).map(canonicalJson)).toEqual(snapshot.grants.map(canonicalJson));
    expect(peopleSnapshotFile(tailnet.name)).toMatch(/src\/config\/tailnet-people\/[^/]+\.hujson$/);
  });

  test('fails on a missing file, a syntax error or no argument, and writes nothing', () => {
    const out = path.join(dir, 'people.hujson');
    const { err, ctx } = captureContext();
    expect(() => policyImport([path.join(dir, 'nope.hujson'), '--out', out], ctx)).toThrow(/nope\.hujson does not exist\. Fix: export the policy from the admin console/);
    const broken = path.join(dir, 'broken.hujson');
    fs.writeFileSync(broken, livePolicyText().replace('"grants": [', '"grants": [}'));
    expect(() => policyImport([broken, '--out', out], ctx)).toThrow(/broken\.hujson: HuJSON syntax error .* at offset \d+/);
    expect(policyImport([], ctx)).toBe(2);
    expect(err.join('\n')).toMatch(/give one policy file exported from the admin console/);
    expect(policyImport([LIVE_POLICY_FILE, '--tailnet', 'nope', '--out', out], ctx)).toBe(2);
    expect(err.join('\n')).toMatch(/no tailnet "nope"; known: /);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('peopleDrift', () => {
  test('nothing when live agrees with the snapshot; the changed entry when someone edited the console', () => {
    const snapshot = readPeopleSnapshot(tailnet.name)!;
    expect(peopleDrift(snapshot, structuredClone(snapshot))).toEqual([]);
    const edited = structuredClone(snapshot);
    edited.grants.push({ src: ['tag:tuist-ops'], dst: ['tag:tuist-rack-node'], ip: ['tcp:22'] });
    expect(peopleDrift(snapshot, edited)).toEqual([expect.objectContaining({ section: 'grants', added: [expect.objectContaining({ summary: 'tag:tuist-ops → tag:tuist-rack-node on tcp:22' })] })]);
  });
});

describe('unknown sections', () => {
  test('are kept untouched by the split, the composition and a render round trip', () => {
    const future = { ...live, randomizeClientPort: true, someFutureSection: { a: [1, { b: 'c' }] } } as typeof live;
    const { people } = splitPeopleOwned(future, fragments);
    expect(people.randomizeClientPort).toBe(true);
    expect(people.someFutureSection).toEqual({ a: [1, { b: 'c' }] });
    const composed = composeTailnetPolicy({ tailnet, people, fragments });
    expect(composed.document.someFutureSection).toEqual({ a: [1, { b: 'c' }] });
    const policy = { ...policies()[tailnet.name]!, document: composed.document };
    expect(parsePolicyHujson(renderPolicyHujson(policy))).toStrictEqual(composed.document);
  });
});
