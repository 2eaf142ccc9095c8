import { type Model, loadModel } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/types';
import {
  MARKER_PREFIX, OWNERSHIP_SCHEMA, type OwnershipMarker, findMarkers, markerIsAuthentic, renderMarker, signMarker,
} from '../../src/pulumi/policy-marker';
import {
  PolicyWriteError, type WriteIntent, formatPolicyPlan, parseLivePolicy, planPolicyWrite, writeIntent,
} from '../../src/pulumi/policy-writer';
import { canonicalJson, entryId, policyEntries } from '../../src/tailnet';
import { ENVIRONMENTS, TAILNETS, canary, production, staging, variant } from '../fixtures';
import { LIVE_FIXTURE } from './adoption-contract';
import { steadyState, testKey } from './run-stack';
import { poolerProxyTags } from '../../src/tailnet/paths';

const model = loadModel();
const modelWith = (...changed: EnvironmentConfig[]): Model => loadModel(ENVIRONMENTS.map((e) => changed.find((c) => c.name === e.name) ?? e), TAILNETS);
const withPorts = (env: EnvironmentConfig, ports: string[]): EnvironmentConfig => variant(env, (d) => {
  d.policy.vmToCluster.push(...ports.map((p) => ({ proto: 'tcp' as const, port: Number(p.split(':')[1]), purpose: 'test' })));
});
const plan = (env: EnvironmentConfig, live: string, m: Model = model, key = testKey(env.name)) => planPolicyWrite(writeIntent(m, env), live, key);
type Grant = { src: string[]; dst: string[]; ip: string[] };
const vmPorts = (text: string, env: EnvironmentConfig): string[] => (parseLivePolicy(text, 't').grants as Grant[])
  .filter((g) => g.src.includes(env.tailnet.vmTag) && g.dst.includes(env.tailnet.clusterTag)).flatMap((g) => g.ip);
const markerOf = (text: string, env: EnvironmentConfig): OwnershipMarker => findMarkers(text).find((m) => m.marker.environment === env.name)!.marker as OwnershipMarker;

describe('policy writer: ownership in one document', () => {
  const shared = steadyState(model, canary.tailnet.tailnet);

  test('an up of canary changes only canary\'s entries; production\'s stay as production last wrote them', () => {
    const next = plan(withPorts(canary, ['tcp:9000']), shared, modelWith(withPorts(canary, ['tcp:9000']), withPorts(production, ['tcp:9000'])));
    expect(vmPorts(next.hujson, canary)).toContain('tcp:9000');
    expect(vmPorts(next.hujson, production)).not.toContain('tcp:9000');
    expect(markerOf(next.hujson, production)).toEqual(markerOf(shared, production));
    expect(next.entries.filter((e) => e.owner === production.name).every((e) => e.status === 'kept')).toBe(true);
  });

  test('an entry the code no longer generates is removed, and only because the environment wrote it; the change is shown before → after', () => {
    const before = steadyState(modelWith(withPorts(canary, ['tcp:4000'])), canary.tailnet.tailnet);
    const next = plan(canary, before);
    expect(vmPorts(next.hujson, canary)).not.toContain('tcp:4000');
    const changed = next.entries.find((e) => e.status === 'changed' && canonicalJson(e.before).includes('tcp:4000'))!;
    expect(changed.owner).toBe(canary.name);
    expect(formatPolicyPlan(next).join('\n')).toMatch(/changed {4}grants\[\d+\]: .*"tcp:4000".* → /);
    expect(next.entries.filter((e) => e.status === 'removed' && e.owner !== canary.name)).toEqual([]);
  });

  test('people\'s comments and formatting survive: the write edits the live text in place', () => {
    const next = plan(canary, LIVE_FIXTURE);
    const comments = LIVE_FIXTURE.split('\n').filter((l) => l.trim().startsWith('//'));
    for (const line of comments) expect(next.hujson).toContain(line);
  });

  test('an up without changes writes the very same text and keeps the revision', () => {
    const again = plan(canary, shared);
    expect(again.changed).toBe(false);
    expect(again.hujson).toBe(shared);
    expect(again.marker.revision).toBe(markerOf(shared, canary).revision);
  });

  test('a changing write counts a new revision of the environment\'s marker, signed with its key', () => {
    const next = plan(withPorts(canary, ['tcp:9000']), shared, modelWith(withPorts(canary, ['tcp:9000'])));
    expect(next.marker.revision).toBe(markerOf(shared, canary).revision + 1);
    expect(next.marker.schema).toBe(OWNERSHIP_SCHEMA);
    expect(markerIsAuthentic(markerOf(next.hujson, canary), testKey(canary.name))).toBe(true);
    expect(markerIsAuthentic(markerOf(next.hujson, canary), testKey(production.name))).toBe(false);
  });

  test('a people-owned key the environment also generates with another value is refused, naming both values', () => {
    const intent = writeIntent(model, canary);
    const hostile: WriteIntent = { ...intent, entries: { ...intent.entries, groups: { 'group:people': ['someone@example.com'] } } };
    const live = LIVE_FIXTURE.replace('"groups": {}', '"groups": {"group:people": ["a@tuist.dev"]}');
    expect(() => planPolicyWrite(hostile, live, testKey(canary.name))).toThrow(
      /generates groups\["group:people"\] = \["someone@example.com"\], but the live policy holds \["a@tuist.dev"\] there, and that entry is people's\. Nothing was written\. Fix: make them agree/,
    );
  });
});

describe('policy writer: console edits and forged ownership', () => {
  const shared = steadyState(model, canary.tailnet.tailnet);
  const vmGrant = `"src": ["${canary.tailnet.vmTag}"], "dst": ["${poolerProxyTags(canary)[0]}"]`;

  test('a console edit of a people-owned entry is fine and kept', () => {
    const base = steadyState(model, canary.tailnet.tailnet, LIVE_FIXTURE);
    const next = plan(canary, base.replace('"tag:tuist-rack-edge": ["autogroup:admin"]', '"tag:tuist-rack-edge": ["autogroup:admin", "autogroup:owner"]'));
    expect(next.hujson).toContain('"tag:tuist-rack-edge": ["autogroup:admin", "autogroup:owner"]');
  });

  test('a console edit that widens the environment\'s grant is refused, saying which entry, before and after, and how to resolve it', () => {
    const edited = shared.replace(`${vmGrant}, "ip": ["tcp:5432"`, `${vmGrant}, "ip": ["tcp:5432", "tcp:22"`);
    expect(edited).not.toBe(shared);
    expect(() => plan(canary, edited)).toThrow(PolicyWriteError);
    expect(() => plan(canary, edited)).toThrow(/and 1 of them changed outside Pulumi \(admin console\):\n {2}- grants\[\+\]: written as .*; live now .*"tcp:22".*\nNothing was written\. Fix: revert the edit in the admin console .* or, if the edit is wanted, make it in code/);
  });

  test('a console edit that deletes the environment\'s tests is refused, naming each one as deleted', () => {
    const text = shared.split('\n').filter((l) => !(l.includes(`"src": "${canary.tailnet.vmTag}"`) && l.includes('"proto"'))).join('\n');
    expect(() => plan(canary, text)).toThrow(/tests\[\+\]: written as .*; live now deleted/);
  });

  test('re-stamping a console edit is impossible: a marker recomputed without the key fails its MAC', () => {
    const edited = shared.replace(`${vmGrant}, "ip": ["tcp:5432"`, `${vmGrant}, "ip": ["tcp:5432", "tcp:22"`);
    const mine = markerOf(shared, canary);
    // The forger lists the widened grant and signs with a key of their own (or a plain SHA-256).
    const forgedEntries = policyEntries(parseLivePolicy(edited, 'e')).filter((e) => mine.entries.some((m) => m[0] === e.section && (m[1] === (e.key ?? null)) && (e.kind === 'key' || canonicalJson(m[2]) === canonicalJson(e.value) || canonicalJson(e.value).includes('tcp:22'))));
    const forged = signMarker({ ...mine, revision: mine.revision + 1, entries: forgedEntries.map((e) => [e.section, e.key ?? null, e.value] as const) }, 'a key the console editor made up, long enough!!');
    const text = edited.replace(renderMarker(mine), renderMarker(forged));
    expect(() => plan(canary, text)).toThrow(/the ownership marker of environment "canary" \(line \d+, revision \d+\) does not carry this stack's MAC: it was edited or forged/);
  });

  test('a marker copied twice, a malformed marker, and a deleted marker (per Pulumi state) are each refused', () => {
    const line = renderMarker(markerOf(shared, canary));
    expect(() => plan(canary, `${line}\n${shared}`)).toThrow(/holds 2 ownership markers of environment "canary"/);
    // The marker's line is where the shared policy holds it (one marker per environment before it).
    const lineNumber = shared.split('\n').findIndex((l) => l.includes(line)) + 1;
    expect(lineNumber).toBeGreaterThan(0);
    expect(() => plan(canary, shared.replace(line, `${MARKER_PREFIX}{"environment":"canary"}`))).toThrow(new RegExp(`the ownership marker of environment "canary" \\(line ${lineNumber}\\) lacks one of tailnet, environment`));
    const without = shared.replace(`${line}\n`, '');
    expect(() => planPolicyWrite(writeIntent(model, canary), without, testKey(canary.name), { lastRevision: 3 })).toThrow(/wrote revision 3 of its entries \(Pulumi state\), but the live policy holds no ownership marker of environment "canary"/);
  });

  test('entries written by newer code are never reverted by older code without saying so', () => {
    const mine = markerOf(shared, canary);
    const newer = signMarker({ ...mine, schema: OWNERSHIP_SCHEMA + 1 }, testKey(canary.name));
    expect(() => plan(canary, shared.replace(renderMarker(mine), renderMarker(newer)))).toThrow(
      new RegExp(`written by newer code \\(ownership schema ${OWNERSHIP_SCHEMA + 1}; this checkout writes schema ${OWNERSHIP_SCHEMA}.*Writing would revert them\\. Nothing was written\\. Fix: deploy from a checkout at least as new`),
    );
  });

  test('an older revision restored in the console is refused when the stack\'s state knows a newer one', () => {
    const revision = markerOf(shared, canary).revision;
    expect(() => planPolicyWrite(writeIntent(model, canary), shared, testKey(canary.name), { lastRevision: revision + 1 })).toThrow(/an older version of the policy was restored/);
  });

  test('fails when the live policy is another tailnet\'s', () => {
    const elsewhere = { ...TAILNETS[0]!, name: `${canary.tailnet.tailnet}-elsewhere` };
    const other = variant(canary, (d) => { d.tailnet.tailnet = elsewhere.name; });
    const m = loadModel(ENVIRONMENTS.map((e) => (e.name === other.name ? other : e)), [...TAILNETS, elsewhere]);
    expect(() => plan(other, shared, m)).toThrow(/writes the policy of tailnet "tuist-elsewhere", but the tailnet its Tailscale credentials reach holds a marker of tailnet "tuist" .*Nothing was written/);
  });

  test('fails on a key that is too short, with the command that makes one', () => {
    expect(() => plan(canary, shared, model, 'short')).toThrow(/policyOwnershipKey is 5 characters long; at least 32 are required\. Nothing was written\. Fix: pulumi config set --secret policyOwnershipKey "\$\(openssl rand -base64 32\)" --stack canary/);
  });

  test('fails on a live policy that is not HuJSON, saying where', () => {
    expect(() => plan(canary, '{"grants": [')).toThrow(/the live policy of tailnet "tuist": HuJSON syntax error .* at offset \d+\. Nothing was written\./);
  });

  test('fails on a live policy that names a key twice in one object, saying which and where', () => {
    const twice = '{\n  "tagOwners": {"tag:a": ["autogroup:admin"]},\n  // pasted again below\n  "tagOwners": {"tag:b": ["autogroup:admin"]},\n}';
    expect(() => plan(canary, twice)).toThrow(new RegExp(`the live policy of tailnet "tuist" names the key "tagOwners" twice in one object \\(again at offset ${twice.lastIndexOf('"tagOwners"')}\\);.*Nothing was written\\. Fix: remove one of them in the admin console\\.`));
    // The same key in two different objects is fine.
    expect(() => plan(canary, '{"tagOwners": {"tag:a": ["autogroup:admin"]}, "groups": {"tag:a": []}}')).not.toThrow(/twice/);
  });
});

describe('policy writer: tests the control plane would reject', () => {
  test('a deny test a people-owned rule defeats is withheld and reported, and sent again once the rule is gone', () => {
    const withCatchAll = plan(canary, LIVE_FIXTURE);
    const withheld = withCatchAll.entries.filter((e) => e.status === 'withheld');
    expect(withheld.length).toBeGreaterThan(0);
    expect(withheld.every((e) => /would fail in the control plane: grants\[0\] \(\* → \* on \*\) allows /.test(e.reason ?? '') || /no tagOwners entry declares/.test(e.reason ?? ''))).toBe(true);
    const written = new Set(policyEntries(parseLivePolicy(withCatchAll.hujson, 'w')).map(entryId));
    for (const e of withheld) expect(written.has(entryId({ section: e.path.replace(/\[.*$/, ''), value: e.value, kind: 'element' }))).toBe(false);
    // People remove the catch-all in the console: the next up sends the withheld tests, unasked.
    const narrowed = withCatchAll.hujson.replace(/\s*\{"src": \["\*"\], "dst": \["\*"\], "ip": \["\*"\]\},/, '');
    const next = plan(canary, narrowed);
    const sent = new Set(policyEntries(parseLivePolicy(next.hujson, 'n')).map((e) => canonicalJson(e.value)));
    expect(withheld.filter((e) => /grants\[0\]/.test(e.reason ?? '')).every((e) => sent.has(canonicalJson(e.value)))).toBe(true);
  });
});

describe('policy writer: people\'s tests', () => {
  test('a write that would break a test people wrote is refused, naming the test and what fails', () => {
    // People assert that the cluster cannot reach the VMs' metrics port; the environment's code opens it.
    const test = `{"src": "${canary.tailnet.clusterTag}", "deny": ["${canary.tailnet.vmTag}:9091"]}`;
    const live = LIVE_FIXTURE.replace(/\s*\{"src": \["\*"\], "dst": \["\*"\], "ip": \["\*"\]\},/, '')
      .replace(/\{"src": \["tag:tuist-k8s-canary"\], "dst": \["tag:tuist-macmini-canary"\], "ip": \[[^\]]*\]\},/, '')
      .replace('"tests": [', `"tests": [\n    ${test},`);
    const opens = (writeIntent(model, canary).entries.grants as Grant[]).some((g) => g.src.includes(canary.tailnet.clusterTag) && g.dst.includes(canary.tailnet.vmTag) && g.ip.includes('tcp:9091'));
    if (!opens) return; // The code no longer opens the port: nothing to break.
    expect(() => plan(canary, live)).toThrow(/its entries would break 1 test\(s\) people wrote .*:\n {2}- tests\[0\] .*9091.*expected .* to be denied .*\nNothing was written\. Fix: if the test is outdated, change it in the admin console/);
  });
});

describe('policy writer: one tailnet for every environment', () => {
  test('where the tailnet enforces isolation, a people-owned rule opening a cross-environment path refuses the write, naming it', () => {
    const enforced = loadModel(ENVIRONMENTS, TAILNETS.map((t) => ({ ...t, enforceIsolation: true })));
    expect(() => plan(canary, LIVE_FIXTURE, enforced)).toThrow(
      /^Stack "canary" refuses to write the policy of tailnet "tuist": the tailnet enforces isolation .*\n {2}- grants\[0\] \(people\) opens [^:]*canary → production.*\nNothing was written\. Fix: narrow or remove the rule in the admin console/,
    );
    // Not enforced (the committed default for a tailnet with a catch-all): reported, not refused.
    expect(plan(canary, LIVE_FIXTURE, loadModel(ENVIRONMENTS, TAILNETS.map((t) => ({ ...t, enforceIsolation: false })))).crossEnvironment.length).toBeGreaterThan(0);
  });

  test('staging on the shared tailnet reports the catch-all as a path to and from every other environment', () => {
    const shared = variant(staging, (d) => { d.tailnet.tailnet = canary.tailnet.tailnet; });
    const m = modelWith(shared);
    const write = plan(shared, LIVE_FIXTURE, m);
    const catchAll = write.crossEnvironment.find((c) => canonicalJson(c.rule).includes('"*"'))!;
    expect(catchAll.owner).toBe('people');
    for (const other of m.environments.filter((e) => e.name !== staging.name)) {
      expect(catchAll.opens).toEqual(expect.arrayContaining([`${staging.name} → ${other.name}`, `${other.name} → ${staging.name}`]));
    }
  });

  test('a tag owner the code stops generating is removed, and only the environment\'s own: people\'s owners of the tag stay', () => {
    const env = ENVIRONMENTS.find((e) => Object.values(writeIntent(model, e).entries.tagOwners as Record<string, string[]>).some((l) => l.length > 1))!;
    const intent = writeIntent(model, env);
    const owners = intent.entries.tagOwners as Record<string, string[]>;
    const liveTagOwners = parseLivePolicy(LIVE_FIXTURE, 'f').tagOwners as Record<string, string[]>;
    // A tag people declared live, to which the environment adds an owner of its own.
    const [tag, list] = Object.entries(owners).find(([t, l]) => l.length > 1 && liveTagOwners[t] !== undefined && l.some((o) => !liveTagOwners[t]!.includes(o)))!;
    const dropped = list.find((o) => !liveTagOwners[tag]!.includes(o))!;
    const first = planPolicyWrite(intent, LIVE_FIXTURE, testKey(env.name)).hujson;
    const fewer: WriteIntent = { ...intent, entries: { ...intent.entries, tagOwners: { ...owners, [tag]: list.filter((o) => o !== dropped) } } };
    const next = planPolicyWrite(fewer, first, testKey(env.name));
    const after = (parseLivePolicy(next.hujson, 'n').tagOwners as Record<string, string[]>)[tag]!;
    expect(after).toEqual(expect.arrayContaining(liveTagOwners[tag]!));
    expect(after).not.toContain(dropped);
    expect(next.entries.filter((e) => e.status === 'removed').map((e) => e.value)).toEqual([dropped]);
  });
});
