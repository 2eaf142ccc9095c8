/**
 * The evaluator against a brute-force oracle on generated policies that use tags, users,
 * groups, autogroups (member, tagged, self), `*`, CIDR and IP destinations, port ranges, legacy
 * ACLs and overlapping `check`/`accept` SSH rules. The oracle expands every rule forward into
 * the concrete (source, destination, protocol, port) tuples it opens, and every SSH rule into
 * decisions, in Tailscale's order (check rules first, then first match wins); the evaluator
 * answers queries backwards. They must agree on every query over a small universe.
 */
import fc from 'fast-check';
import { canConnect, canSsh, reachablePorts, runPolicyTests } from '../../src/tailnet/evaluate';
import type { AclRule, Grant, PolicyDocument, PolicyTest, SshRule, SshTest } from '../../src/tailnet/policy';

const TAGS = ['tag:a', 'tag:b', 'tag:c'];
const USERS = ['u1@example.com', 'u2@example.com', 'u3@example.com'];
const GROUPS = ['group:g1', 'group:g2'];
/** Addresses outside the tailnet's own range (100.64.0.0/10), as subnet routes would hold. */
const ADDRESSES = ['10.0.0.1', '10.0.0.2', '10.1.0.1'];
const CIDRS = ['10.0.0.0/24', '10.0.0.1/32', '10.0.0.0/8'];
const DEVICES = [...TAGS, ...USERS];
const SOURCES = [...DEVICES, ...GROUPS];
const SELECTORS = [...DEVICES, ...GROUPS, '*', 'autogroup:tagged', 'autogroup:member'];
const DST_SELECTORS = [...SELECTORS, 'autogroup:self', ...CIDRS];
const PROTOS = ['tcp', 'udp'] as const;
/** Every port a generated spec can name, plus the top of the range. */
const PORTS = [...Array.from({ length: 12 }, (_, i) => i + 1), 65535];
const SSH_USERS = ['admin', 'root', 'deploy'];

type Tri = 'yes' | 'maybe';

const portSpec = fc.oneof(
  fc.tuple(fc.constantFrom(...PROTOS), fc.integer({ min: 1, max: 12 })).map(([p, n]) => `${p}:${n}`),
  fc.tuple(fc.constantFrom(...PROTOS), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 5 })).map(([p, n, w]) => `${p}:${n}-${n + w}`),
  fc.constantFrom('*', 'tcp:*', 'udp:*'),
);
const selectors = fc.uniqueArray(fc.constantFrom(...SELECTORS), { minLength: 1, maxLength: 3 });
const dstSelectors = fc.uniqueArray(fc.constantFrom(...DST_SELECTORS), { minLength: 1, maxLength: 3 });
const grant: fc.Arbitrary<Grant> = fc.record({ src: selectors, dst: dstSelectors, ip: fc.array(portSpec, { minLength: 1, maxLength: 3 }) });
const acl: fc.Arbitrary<AclRule> = fc.record({
  action: fc.constant('accept'),
  src: selectors,
  dst: fc.uniqueArray(fc.tuple(fc.constantFrom(...DST_SELECTORS), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 3 })).map(([h, n, w]) => `${h}:${n}-${n + w}`), { minLength: 1, maxLength: 2 }),
  proto: fc.constantFrom('tcp', 'udp'),
});
const sshRule: fc.Arbitrary<SshRule> = fc.record({
  action: fc.constantFrom('accept' as const, 'check' as const),
  src: selectors,
  dst: fc.uniqueArray(fc.constantFrom(...DEVICES, 'autogroup:self', 'autogroup:tagged', 'autogroup:member'), { minLength: 1, maxLength: 2 }),
  users: fc.uniqueArray(fc.constantFrom(...SSH_USERS, 'autogroup:nonroot'), { minLength: 1, maxLength: 2 }),
});
const document: fc.Arbitrary<PolicyDocument> = fc.record({
  g1: fc.subarray(USERS),
  g2: fc.subarray(USERS),
  grants: fc.array(grant, { maxLength: 4 }),
  acls: fc.array(acl, { maxLength: 2 }),
  ssh: fc.array(sshRule, { maxLength: 5 }),
}).map(({ g1, g2, grants, acls, ssh }) => ({
  groups: { 'group:g1': g1, 'group:g2': g2 },
  tagOwners: Object.fromEntries(TAGS.map((t) => [t, ['autogroup:admin']])),
  grants,
  acls,
  ssh,
  tests: [],
  sshTests: [],
}));

const inCidr = (ip: string, cidr: string): boolean => {
  const num = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  return Math.floor(num(ip) / size) === Math.floor(num(base) / size);
};

/** Written independently of the evaluator: what a selector covers for a source, by enumeration, with certainty. */
function covered(doc: PolicyDocument, selector: string, src?: string): Map<string, Tri> {
  const all = (xs: readonly string[]): Map<string, Tri> => new Map(xs.map((x) => [x, 'yes']));
  if (selector === '*') return new Map([...all(DEVICES), ...ADDRESSES.map((a) => [a, 'maybe'] as const)]);
  if (selector === 'autogroup:tagged') return all(TAGS);
  if (selector === 'autogroup:member') return all(USERS);
  if (selector === 'autogroup:self') return src !== undefined && USERS.includes(src) ? all([src]) : new Map();
  if (GROUPS.includes(selector)) return all(doc.groups[selector]!);
  if (selector.includes('/')) return all(ADDRESSES.filter((a) => inCidr(a, selector)));
  return all([selector]);
}

function ports(spec: string): { proto: string; from: number; to: number }[] {
  const [proto, range] = spec === '*' ? ['*', '*'] : spec.split(':') as [string, string];
  const protos = proto === '*' ? [...PROTOS] : [proto];
  const [lo, hi] = range === '*' ? [1, 65535] : range.includes('-') ? range.split('-').map(Number) as [number, number] : [Number(range), Number(range)];
  return protos.map((p) => ({ proto: p, from: lo, to: hi }));
}

/** Every (src|dst|proto|port) a rule opens, `yes` or `maybe`; the strongest wins. */
function oracleNetwork(doc: PolicyDocument): Map<string, Tri> {
  const open = new Map<string, Tri>();
  const mark = (key: string, t: Tri): void => { if (open.get(key) !== 'yes') open.set(key, t); };
  const expand = (src: readonly string[], dsts: { host: string; specs: { proto: string; from: number; to: number }[] }[]): void => {
    for (const s of DEVICES.filter((d) => src.some((x) => covered(doc, x).has(d)))) {
      for (const { host, specs } of dsts) {
        for (const [d, t] of covered(doc, host, s)) {
          for (const spec of specs) for (const port of PORTS.filter((n) => n >= spec.from && n <= spec.to)) mark(`${s}|${d}|${spec.proto}|${port}`, t);
        }
      }
    }
  };
  for (const g of doc.grants) expand(g.src, g.dst.map((host) => ({ host, specs: g.ip!.flatMap(ports) })));
  for (const a of doc.acls ?? []) {
    expand(a.src, a.dst.map((entry) => {
      const at = entry.lastIndexOf(':');
      const [lo, hi] = entry.slice(at + 1).split('-').map(Number) as [number, number];
      return { host: entry.slice(0, at), specs: [{ proto: String(a.proto), from: lo, to: hi }] };
    }));
  }
  return open;
}

/** Check rules first, then accept rules; among them the first match wins (so later rules are written first and overwritten). */
function oracleSsh(doc: PolicyDocument): Map<string, string> {
  const decided = new Map<string, string>();
  const ordered = [...doc.ssh.filter((r) => r.action === 'check'), ...doc.ssh.filter((r) => r.action !== 'check')];
  for (const rule of ordered.reverse()) {
    const users = rule.users.flatMap((u) => (u === 'autogroup:nonroot' ? SSH_USERS.filter((x) => x !== 'root') : [u]));
    for (const s of DEVICES.filter((d) => rule.src.some((x) => covered(doc, x).has(d)))) {
      for (const d of DEVICES.filter((x) => rule.dst.some((sel) => covered(doc, sel, s).has(x)))) {
        for (const user of users) decided.set(`${s}|${d}|${user}`, rule.action);
      }
    }
  }
  return decided;
}

const verdictOf = (open: Map<string, Tri>, key: string): string => (open.get(key) === 'yes' ? 'allow' : open.get(key) === 'maybe' ? 'unproven' : 'deny');

/** A group stands for its members: allow when all are allowed, deny when all are denied, unproven otherwise or when empty. */
function groupVerdict(members: readonly string[], verdict: (member: string) => string): string {
  const verdicts = new Set(members.map(verdict));
  if (members.length === 0) return 'unproven';
  if (verdicts.size === 1 && (verdicts.has('allow') || verdicts.has('deny'))) return [...verdicts][0]!;
  return 'unproven';
}

const queries = SOURCES.flatMap((src) => [...DEVICES, ...ADDRESSES].flatMap((dst) => PROTOS.flatMap((proto) => PORTS.map((port) => ({ src, dst, proto, port })))));

describe('evaluator against brute-force enumeration', () => {
  test('canConnect agrees with the expanded grants and ACLs on every query (three-valued)', () => {
    fc.assert(fc.property(document, (doc) => {
      const open = oracleNetwork(doc);
      const expected = (src: string, dst: string, proto: string, port: number): string => (GROUPS.includes(src)
        ? groupVerdict(doc.groups[src]!, (m) => verdictOf(open, `${m}|${dst}|${proto}|${port}`))
        : verdictOf(open, `${src}|${dst}|${proto}|${port}`));
      // Collect disagreements, then assert once: an expect per query is what would be slow.
      const disagreements = queries.filter((q) => {
        const result = canConnect(doc, q.src, q.dst, q.proto, q.port);
        const named = result.verdict !== 'allow' || /^(grants|acls)\[\d+\] /.test(result.rule ?? '');
        return !named || result.verdict !== expected(q.src, q.dst, q.proto, q.port);
      }).map((q) => ({ ...q, got: canConnect(doc, q.src, q.dst, q.proto, q.port).verdict, want: expected(q.src, q.dst, q.proto, q.port) }));
      expect(disagreements).toEqual([]);
    }), { numRuns: 150 });
  });

  test('reachablePorts is exactly the set of proven-open ports, as disjoint sorted ranges', () => {
    fc.assert(fc.property(document, (doc) => {
      const open = oracleNetwork(doc);
      const disagreements = DEVICES.flatMap((src) => DEVICES.flatMap((dst) => PROTOS.flatMap((proto) => {
        const ranges = reachablePorts(doc, src, dst, proto);
        const disjoint = ranges.every((r, i) => r.from <= r.to && (i === 0 || r.from > ranges[i - 1]!.to + 1));
        const fromRanges = PORTS.filter((p) => ranges.some((r) => r.from <= p && p <= r.to));
        const expected = PORTS.filter((p) => open.get(`${src}|${dst}|${proto}|${p}`) === 'yes');
        return disjoint && fromRanges.join() === expected.join() ? [] : [{ src, dst, proto, ranges, expected }];
      })));
      expect(disagreements).toEqual([]);
    }), { numRuns: 100 });
  });

  test('canSsh agrees with check-first, then first-match-wins expansion of the SSH rules', () => {
    fc.assert(fc.property(document, (doc) => {
      const decided = oracleSsh(doc);
      const expected = (src: string, dst: string, user: string): string => (GROUPS.includes(src)
        ? groupVerdict(doc.groups[src]!, (m) => decided.get(`${m}|${dst}|${user}`) ?? 'deny').replace(/^allow$/, 'accept')
        : decided.get(`${src}|${dst}|${user}`) ?? 'deny');
      const disagreements = SOURCES.flatMap((src) => DEVICES.flatMap((dst) => SSH_USERS.flatMap((user) => {
        const outcome = canSsh(doc, src, dst, user).verdict;
        const want = expected(src, dst, user);
        // A group whose members all get the same action gets that action.
        const groupSame = GROUPS.includes(src) && doc.groups[src]!.length > 0 && new Set(doc.groups[src]!.map((m) => decided.get(`${m}|${dst}|${user}`) ?? 'deny')).size === 1;
        const wanted = groupSame ? decided.get(`${doc.groups[src]![0]}|${dst}|${user}`) ?? 'deny' : want;
        return outcome === wanted ? [] : [{ src, dst, user, outcome, wanted }];
      })));
      expect(disagreements).toEqual([]);
    }), { numRuns: 150 });
  });

  test('tests written from the oracle pass, and flipping any one expectation fails exactly that test', () => {
    fc.assert(fc.property(document, fc.nat(), (doc, pick) => {
      const open = oracleNetwork(doc);
      const decided = oracleSsh(doc);
      // Tag sources and tag destinations only: every answer there is proven.
      const tests: PolicyTest[] = TAGS.flatMap((src) => PROTOS.map((proto) => {
        const targets = TAGS.flatMap((dst) => PORTS.map((port) => ({ target: `${dst}:${port}`, open: open.get(`${src}|${dst}|${proto}|${port}`) === 'yes' })));
        return { src, proto, accept: targets.filter((t) => t.open).map((t) => t.target), deny: targets.filter((t) => !t.open).map((t) => t.target) };
      }));
      const sshTests: SshTest[] = DEVICES.flatMap((src) => TAGS.map((dst) => {
        const by = (outcome: string) => SSH_USERS.filter((u) => (decided.get(`${src}|${dst}|${u}`) ?? 'deny') === outcome);
        return { src, dst: [dst], accept: by('accept'), check: by('check'), deny: by('deny') };
      }));
      expect(runPolicyTests({ ...doc, tests, sshTests })).toEqual([]);

      const i = pick % tests.length;
      const flipped = tests.map((t, j) => (j === i ? { ...t, accept: t.deny, deny: t.accept } : t));
      const failures = runPolicyTests({ ...doc, tests: flipped, sshTests });
      expect(failures.length).toBe(PORTS.length * TAGS.length);
      expect(new Set(failures.map((f) => f.test))).toEqual(new Set([`tests[${i}] (src ${tests[i]!.src}, ${tests[i]!.proto})`]));
    }), { numRuns: 100 });
  });
});
