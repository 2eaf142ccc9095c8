/**
 * The evaluator against a brute-force oracle on generated policies. The oracle expands every
 * grant forward into the concrete (source, destination, protocol, port) tuples it opens and
 * every SSH rule into (source, destination, user) decisions; the evaluator answers queries
 * backwards. They must agree on every query over a small universe.
 */
import fc from 'fast-check';
import { canConnect, canSsh, reachablePorts, runPolicyTests } from '../../src/tailnet/evaluate';
import type { Grant, PolicyDocument, PolicyTest, SshRule, SshTest } from '../../src/tailnet/policy';

const TAGS = ['tag:a', 'tag:b', 'tag:c'];
const USERS = ['u1@example.com', 'u2@example.com', 'u3@example.com'];
const GROUPS = ['group:g1', 'group:g2'];
const PRINCIPALS = [...TAGS, ...USERS, ...GROUPS];
const SELECTORS = [...PRINCIPALS, '*', 'autogroup:tagged', 'autogroup:member'];
const PROTOS = ['tcp', 'udp'] as const;
/** Every port a generated spec can name, plus the edges of the full range. */
const PORTS = [...Array.from({ length: 12 }, (_, i) => i + 1), 65535];
const SSH_USERS = ['admin', 'root', 'deploy'];

const portSpec = fc.oneof(
  fc.tuple(fc.constantFrom(...PROTOS), fc.integer({ min: 1, max: 12 })).map(([p, n]) => `${p}:${n}`),
  fc.tuple(fc.constantFrom(...PROTOS), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 5 })).map(([p, n, w]) => `${p}:${n}-${n + w}`),
  fc.constantFrom('*', 'tcp:*', 'udp:*'),
);
const selectors = fc.uniqueArray(fc.constantFrom(...SELECTORS), { minLength: 1, maxLength: 3 });
const grant: fc.Arbitrary<Grant> = fc.record({ src: selectors, dst: selectors, ip: fc.array(portSpec, { minLength: 1, maxLength: 3 }) });
const sshRule: fc.Arbitrary<SshRule> = fc.record({
  action: fc.constantFrom('accept' as const, 'check' as const),
  src: selectors,
  dst: selectors,
  users: fc.uniqueArray(fc.constantFrom(...SSH_USERS, 'autogroup:nonroot'), { minLength: 1, maxLength: 2 }),
});
const document: fc.Arbitrary<PolicyDocument> = fc.record({
  g1: fc.subarray(USERS),
  g2: fc.subarray(USERS),
  grants: fc.array(grant, { maxLength: 5 }),
  ssh: fc.array(sshRule, { maxLength: 4 }),
}).map(({ g1, g2, grants, ssh }) => ({
  groups: { 'group:g1': g1, 'group:g2': g2 },
  tagOwners: Object.fromEntries(TAGS.map((t) => [t, ['group:g1']])),
  grants,
  ssh,
  tests: [],
  sshTests: [],
}));

/** Written independently of the evaluator: what a selector covers, by enumeration. */
function covered(doc: PolicyDocument, selector: string): string[] {
  if (selector === '*') return PRINCIPALS;
  if (selector === 'autogroup:tagged') return TAGS;
  if (selector === 'autogroup:member') return USERS;
  if (GROUPS.includes(selector)) return [selector, ...doc.groups[selector]!];
  return [selector];
}

function ports(spec: string): { proto: string; port: number }[] {
  const [proto, range] = spec === '*' ? ['*', '*'] : spec.split(':') as [string, string];
  const protos = proto === '*' ? [...PROTOS] : [proto];
  const [lo, hi] = range === '*' ? [0, 65535] : range.includes('-') ? range.split('-').map(Number) as [number, number] : [Number(range), Number(range)];
  return protos.flatMap((p) => PORTS.filter((n) => n >= lo && n <= hi).map((port) => ({ proto: p, port })));
}

function oracleNetwork(doc: PolicyDocument): Set<string> {
  const open = new Set<string>();
  for (const g of doc.grants) {
    for (const s of g.src.flatMap((x) => covered(doc, x))) {
      for (const d of g.dst.flatMap((x) => covered(doc, x))) {
        for (const { proto, port } of g.ip.flatMap(ports)) open.add(`${s}|${d}|${proto}|${port}`);
      }
    }
  }
  return open;
}

/** Later rules first, so earlier rules overwrite them: the first match wins. */
function oracleSsh(doc: PolicyDocument): Map<string, string> {
  const decided = new Map<string, string>();
  for (const rule of [...doc.ssh].reverse()) {
    const users = rule.users.flatMap((u) => (u === 'autogroup:nonroot' ? SSH_USERS.filter((x) => x !== 'root') : [u]));
    for (const s of rule.src.flatMap((x) => covered(doc, x))) {
      for (const d of rule.dst.flatMap((x) => covered(doc, x))) {
        for (const user of users) decided.set(`${s}|${d}|${user}`, rule.action);
      }
    }
  }
  return decided;
}

const queries = PRINCIPALS.flatMap((src) => PRINCIPALS.flatMap((dst) => PROTOS.flatMap((proto) => PORTS.map((port) => ({ src, dst, proto, port })))));

describe('evaluator against brute-force enumeration', () => {
  test('canConnect agrees with the expanded grants on every query', () => {
    fc.assert(fc.property(document, (doc) => {
      const open = oracleNetwork(doc);
      // Collect disagreements, then assert once: an expect per query is what would be slow.
      const disagreements = queries.filter((q) => {
        const result = canConnect(doc, q.src, q.dst, q.proto, q.port);
        const named = result.allowed === /^grants\[\d+\] /.test(result.rule ?? '');
        return !named || result.allowed !== open.has(`${q.src}|${q.dst}|${q.proto}|${q.port}`);
      });
      expect(disagreements).toEqual([]);
    }), { numRuns: 200 });
  });

  test('reachablePorts is exactly the set of open ports, as disjoint sorted ranges', () => {
    fc.assert(fc.property(document, (doc) => {
      const open = oracleNetwork(doc);
      const disagreements = PRINCIPALS.flatMap((src) => PRINCIPALS.flatMap((dst) => PROTOS.flatMap((proto) => {
        const ranges = reachablePorts(doc, src, dst, proto);
        const disjoint = ranges.every((r, i) => r.from <= r.to && (i === 0 || r.from > ranges[i - 1]!.to + 1));
        const fromRanges = PORTS.filter((p) => ranges.some((r) => r.from <= p && p <= r.to));
        const expected = PORTS.filter((p) => open.has(`${src}|${dst}|${proto}|${p}`));
        return disjoint && fromRanges.join() === expected.join() ? [] : [{ src, dst, proto, ranges, expected }];
      })));
      expect(disagreements).toEqual([]);
    }), { numRuns: 150 });
  });

  test('canSsh agrees with first-match-wins expansion of the SSH rules', () => {
    fc.assert(fc.property(document, (doc) => {
      const decided = oracleSsh(doc);
      const disagreements = PRINCIPALS.flatMap((src) => PRINCIPALS.flatMap((dst) => SSH_USERS.flatMap((user) => {
        const result = canSsh(doc, src, dst, user);
        const outcome = result.allowed ? result.action : 'deny';
        const expected = decided.get(`${src}|${dst}|${user}`) ?? 'deny';
        return outcome === expected ? [] : [{ src, dst, user, outcome, expected }];
      })));
      expect(disagreements).toEqual([]);
    }), { numRuns: 200 });
  });

  test('tests written from the oracle pass, and flipping any one expectation fails exactly that test', () => {
    fc.assert(fc.property(document, fc.nat(), (doc, pick) => {
      const open = oracleNetwork(doc);
      const decided = oracleSsh(doc);
      const tests: PolicyTest[] = TAGS.flatMap((src) => PROTOS.map((proto) => {
        const targets = TAGS.flatMap((dst) => PORTS.map((port) => ({ target: `${dst}:${port}`, open: open.has(`${src}|${dst}|${proto}|${port}`) })));
        return { src, proto, accept: targets.filter((t) => t.open).map((t) => t.target), deny: targets.filter((t) => !t.open).map((t) => t.target) };
      }));
      const sshTests: SshTest[] = PRINCIPALS.flatMap((src) => TAGS.map((dst) => {
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
