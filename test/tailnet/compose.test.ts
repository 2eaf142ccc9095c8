/**
 * The complete document: the people-owned part (here: the live fixture, split) and every
 * environment's fragment, composed; isolation proven over all of it; tests withheld while a
 * people-owned rule would fail them, and sent again once it is gone.
 */
import { canonicalJson } from '../../src/tailnet/attribution';
import { composeTailnetPolicy } from '../../src/tailnet/compose';
import { canConnect, runPolicyTests } from '../../src/tailnet/evaluate';
import { PEOPLE_OWNER, isolationNotes } from '../../src/tailnet/isolation';
import { splitPeopleOwned } from '../../src/tailnet/people';
import type { PolicyDocument } from '../../src/tailnet/policy';
import { parsePortSpec } from '../../src/tailnet/syntax';
import { checkComposedPolicy } from '../../src/tailnet/verify';
import { ENVIRONMENTS, TAILNETS } from '../fixtures';
import { fragmentsOf, liveFixtureEnvironments, livePolicy } from './fixtures';

const tailnet = TAILNETS.find((t) => t.name === ENVIRONMENTS[0]!.tailnet.tailnet)!;
const fragments = fragmentsOf(tailnet);
const live = livePolicy();
const { people } = splitPeopleOwned(live, fragments);
const composed = composeTailnetPolicy({ tailnet, people, fragments });
/** The live fixture without its catch-all grant (`* → *`). */
const withoutCatchAll = (doc: PolicyDocument): PolicyDocument => ({ ...doc, grants: doc.grants.filter((g) => !(g.src.includes('*') && g.dst.includes('*'))) });

describe('composeTailnetPolicy over the live fixture', () => {
  test('keeps every people-owned entry exactly as it is, in every section, unknown ones included', () => {
    for (const [section, value] of Object.entries(people)) {
      if (Array.isArray(value)) expect(composed.document[section]).toEqual(expect.arrayContaining(value));
      else expect(composed.document[section]).toMatchObject(value as object);
    }
    expect(composed.document.autoApprovers).toEqual(live.autoApprovers);
    expect(composed.document.nodeAttrs).toEqual(live.nodeAttrs);
    expect(composed.document.postures).toEqual(live.postures);
  });

  test('holds every environment\'s fragment', () => {
    for (const f of fragments) {
      expect(composed.document.grants).toEqual(expect.arrayContaining(f.grants));
      expect(composed.document.ssh).toEqual(expect.arrayContaining(f.ssh));
      expect(composed.document.tagOwners).toMatchObject(f.tagOwners);
    }
  });

  test('still allows every explicit (src, dst, port) access of the fixture, except the pooler port on the cluster tag (it moved to the proxy\'s own tag)', () => {
    const noCatchAll = composeTailnetPolicy({ tailnet, people: withoutCatchAll(people), fragments }).document;
    const lost: string[] = [];
    for (const g of withoutCatchAll(live).grants) {
      if (g.ip === undefined) continue;
      for (const src of g.src) for (const dst of g.dst) for (const spec of g.ip) {
        const parsed = parsePortSpec(spec);
        if (!parsed.ok) continue;
        for (const r of parsed.value) for (const port of new Set([r.from, r.to])) {
          const result = canConnect(noCatchAll, src, dst.includes('/') ? dst.replace(/\/\d+$/, '') : dst, r.proto, port);
          if (result.verdict === 'deny') lost.push(`${src} → ${dst} ${r.proto}:${port}`);
        }
      }
    }
    // Of the environments the fixture models (a newer one has no explicit access there to lose).
    const poolerOnClusterTag = liveFixtureEnvironments().map((e) => `${e.tailnet.vmTag} → ${e.tailnet.clusterTag} tcp:5432`);
    expect(lost.sort()).toEqual(poolerOnClusterTag.sort());
  });

  test('passes its own tests (the people\'s and ours), with nothing rejected', () => {
    expect(runPolicyTests(composed.document)).toEqual([]);
  });

  test('reports the catch-all as a people-owned cross-environment path between every pair of environments', () => {
    const catchAll = composed.isolation.find((f) => f.rule.startsWith('grants[0] (* → * on *)'));
    expect(catchAll).toMatchObject({ owner: PEOPLE_OWNER, verdict: 'allow' });
    const pairs = new Set(catchAll!.paths.map((p) => `${p.from}>${p.to}`));
    for (const a of ENVIRONMENTS) for (const b of ENVIRONMENTS) if (a !== b) expect(pairs).toContain(`${a.name}>${b.name}`);
    // Nothing of ours crosses environments.
    expect(composed.isolation.filter((f) => f.owner !== PEOPLE_OWNER)).toEqual([]);
  });

  test('the people part goes first and is labelled by position: a fragment rule is never counted as people-owned', () => {
    expect(composed.peopleCounts.grants).toBe(people.grants.length);
    expect(composed.document.grants.slice(0, people.grants.length)).toEqual(people.grants);
  });
});

describe('withheld tests', () => {
  test('while a people-owned rule opens a path, the fragment tests it would fail are withheld, each naming the rule', () => {
    expect(composed.withheld.length).toBeGreaterThan(0);
    expect(composed.withheld.every((w) => w.rule === 'grants[0] (* → * on *)' && w.expectation.startsWith('deny '))).toBe(true);
    // None of the withheld expectations is in the document, so the control plane would accept it.
    const sent = new Set(composed.document.tests.flatMap((t) => (t.deny ?? []).map((d) => `${t.src} deny ${d}`)));
    for (const w of composed.withheld.filter((x) => x.section === 'tests')) expect(sent).not.toContain(`${w.src} ${w.expectation}`);
  });

  test('once the rule is gone they are sent again, without anyone acting', () => {
    const after = composeTailnetPolicy({ tailnet, people: withoutCatchAll(people), fragments });
    expect(after.withheld).toEqual([]);
    const alone = composeTailnetPolicy({ tailnet, people: { groups: {}, tagOwners: {}, grants: [], ssh: [], tests: [], sshTests: [] }, fragments });
    // Every fragment test is back, exactly as the fragments alone compose it.
    expect(after.document.tests.slice(people.tests.length).map(canonicalJson)).toEqual(alone.document.tests.map(canonicalJson));
    expect(runPolicyTests(after.document)).toEqual([]);
  });

  test('a test our own fragment fails is never withheld: it fails the build', () => {
    // The cluster tag may reach the pooler proxy: the fragment's own test says it may not.
    const env = ENVIRONMENTS[0]!;
    const proxy = (env.pooler.tailnetExposure as { tags: readonly string[] }).tags[0]!;
    const broken = fragmentsOf(tailnet).map((f) => (f.owner === env.name ? { ...f, grants: [...f.grants, { src: [env.tailnet.clusterTag], dst: [proxy], ip: ['tcp:5432'] }] } : f));
    const checked = checkComposedPolicy(tailnet, broken[0]!, broken.slice(1), people);
    expect(checked.failures).toEqual([expect.objectContaining({ expectation: `deny ${proxy}:5432`, outcome: 'fail' })]);
    expect(checked.withheld.filter((w) => w.src === env.tailnet.clusterTag).map((w) => w.expectation)).not.toContain(`deny ${proxy}:5432`);
  });
});

describe('isolation enforcement', () => {
  test('does not block a stack while enforceIsolation is false; blocks, naming the rule, when it is true', () => {
    const [base, ...envs] = fragments;
    expect(checkComposedPolicy({ ...tailnet, enforceIsolation: false }, base!, envs, people).problems).toEqual([]);
    const enforced = checkComposedPolicy({ ...tailnet, enforceIsolation: true }, base!, envs, people).problems;
    expect(enforced).toEqual([expect.objectContaining({ path: 'grants[0] (* → * on *)', message: expect.stringMatching(/^people-owned grants\[0\] \(\* → \* on \*\) opens a cross-environment path: .*enforces isolation/) })]);
  });

  test('a people-owned rule between two environments only, or an SSH rule, is found as well', () => {
    const [staging, canary] = ENVIRONMENTS;
    const narrow = { ...withoutCatchAll(people), grants: [...withoutCatchAll(people).grants, { src: [staging!.tailnet.vmTag], dst: [canary!.tailnet.clusterTag], ip: ['udp:53'] }] };
    narrow.ssh = [...narrow.ssh, { action: 'accept', src: [canary!.tailnet.clusterTag], dst: [staging!.tailnet.vmTag], users: ['deploy'] }];
    const found = composeTailnetPolicy({ tailnet, people: narrow, fragments }).isolation;
    expect(found.map((f) => [f.owner, f.paths.map((p) => `${p.from}>${p.to} ${p.access}`)])).toEqual([
      [PEOPLE_OWNER, [`${staging!.name}>${canary!.name} udp:53`]],
      [PEOPLE_OWNER, [`${canary!.name}>${staging!.name} ssh as deploy`]],
    ]);
  });
});

describe('checkComposedPolicy findings on the people-owned part', () => {
  test('reports what a reviewer would refuse there, without blocking (no stack may change it)', () => {
    const [base, ...envs] = fragments;
    const checked = checkComposedPolicy(tailnet, base!, envs, people);
    expect(checked.problems).toEqual([]);
    expect(checked.findings.map((f) => f.path)).toEqual(expect.arrayContaining(['people-owned grants[0].ip', 'people-owned ssh[0].users[1]']));
  });
});

describe('isolationNotes', () => {
  test('one note per cross-environment rule, naming the tailnet and the rule, for every rendered diff', () => {
    const notes = isolationNotes([{ tailnet, isolation: composed.isolation }]);
    expect(notes).toHaveLength(composed.isolation.length);
    expect(notes[0]).toMatch(new RegExp(`^tailnet ${tailnet.name}: people-owned grants\\[0\\] \\(\\* → \\* on \\*\\) opens a cross-environment path`));
    expect(isolationNotes([{ tailnet, isolation: [] }])).toEqual([]);
  });
});

describe('what the control plane would reject in the whole document, whoever wrote it', () => {
  test('an autoApprover or a people-owned rule naming an undeclared tag blocks the write', () => {
    const [base, ...envs] = fragments;
    const broken = { ...people, autoApprovers: { routes: { '10.0.0.0/8': ['tag:ghost'] } }, grants: [...people.grants, { src: ['tag:ghost2'], dst: ['tag:tuist-ops'], ip: ['tcp:1'] }] };
    expect(checkComposedPolicy(tailnet, base!, envs, broken).problems.map((p) => p.path)).toEqual([`grants[${people.grants.length}].src[0]`, 'autoApprovers.routes["10.0.0.0/8"][0]']);
  });

  test('a tailnet without user domains or tag admins is refused, naming the field in src/config/tailnets.ts', () => {
    const [base, ...envs] = fragments;
    const problems = checkComposedPolicy({ ...tailnet, userDomains: [], tagAdmins: [] }, base!, envs, people).problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^src\/config\/tailnets\.ts userDomains: is empty; name the login domains/),
      expect.stringMatching(/^src\/config\/tailnets\.ts tagAdmins: is empty/),
    ]));
  });
});
