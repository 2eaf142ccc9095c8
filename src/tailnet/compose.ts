/**
 * Composing a tailnet's one policy document from its fragments, and the tests that prove the
 * environments on it are isolated from each other. Order is deterministic: the base first,
 * then the environments in the order given, then the isolation tests.
 */
import type { TailnetConfig } from '../config/tailnets';
import { withLists } from './fragments';
import { type IsolationFinding, PEOPLE_OWNER, type RuleOwners, isolationFindings } from './isolation';
import { BASE_OWNER, type PolicyDocument, type PolicyFragment, type PolicyTest, type SshTest, emptyDocument } from './policy';
import { type WithheldTest, withheldTests } from './withheld';
import { PROTOCOLS, parseTestProtocol } from './syntax';

export function composePolicy(_tailnet: TailnetConfig, base: PolicyFragment, fragments: readonly PolicyFragment[]): PolicyDocument {
  const doc = emptyDocument();
  for (const fragment of [base, ...fragments]) {
    // A key declared twice keeps its first value; validateFragments reports the clash.
    for (const [group, members] of Object.entries(fragment.groups)) doc.groups[group] ??= [...members];
    for (const [tag, owners] of Object.entries(fragment.tagOwners)) doc.tagOwners[tag] ??= [...owners];
    doc.grants.push(...structuredClone(fragment.grants));
    doc.ssh.push(...structuredClone(fragment.ssh));
    doc.tests.push(...structuredClone(fragment.tests));
    doc.sshTests.push(...structuredClone(fragment.sshTests));
  }
  const isolation = isolationTests([base, ...fragments]);
  doc.tests.push(...isolation.tests);
  doc.sshTests.push(...isolation.sshTests);
  return doc;
}

/**
 * For every environment: each port its own tests probe, and each SSH login they try, denied
 * to every tag of every other fragment on the tailnet (other environments and the base).
 */
export function isolationTests(fragments: readonly PolicyFragment[]): { tests: PolicyTest[]; sshTests: SshTest[] } {
  const tests: PolicyTest[] = [];
  const sshTests: SshTest[] = [];
  for (const protectedFragment of fragments.filter((f) => f.owner !== BASE_OWNER)) {
    const foreignTags = fragments.filter((f) => f !== protectedFragment).flatMap((f) => f.tags);
    const targets = new Map(PROTOCOLS.map((proto) => [proto, new Set<string>()]));
    for (const test of protectedFragment.tests) {
      const proto = parseTestProtocol(test.proto);
      if (proto.ok) for (const target of [...(test.accept ?? []), ...(test.deny ?? [])]) targets.get(proto.value)!.add(target);
    }
    const sshDestinations = [...new Set(protectedFragment.sshTests.flatMap((t) => t.dst))];
    const sshUsers = [...new Set(protectedFragment.sshTests.flatMap((t) => [...(t.accept ?? []), ...(t.check ?? []), ...(t.deny ?? [])]))];
    for (const src of foreignTags) {
      for (const [proto, denied] of targets) if (denied.size > 0) tests.push({ src, proto, deny: [...denied] });
      if (sshDestinations.length > 0) sshTests.push(withLists({ src, dst: sshDestinations }, { deny: sshUsers }));
    }
  }
  return { tests, sshTests };
}

/** What {@link composeTailnetPolicy} composes: the people-owned part (committed snapshot or live) and our fragments. */
export interface TailnetPolicyInput {
  readonly tailnet: TailnetConfig;
  /** Everything in the tailnet's policy that no fragment says (src/tailnet/people.ts splits it off a live policy). */
  readonly people: PolicyDocument;
  /** The base fragment (owner `base`) and one fragment per environment on the tailnet, in order. */
  readonly fragments: readonly PolicyFragment[];
}

export interface ComposedTailnetPolicy {
  /** The document to write: people-owned entries first, untouched and in their order, then the fragments'. */
  readonly document: PolicyDocument;
  /** The fragments' document on its own (every test kept): what a reviewer of our rules reads. */
  readonly own: PolicyDocument;
  /** Rules that open a path between two environments, people-owned ones included. */
  readonly isolation: readonly IsolationFinding[];
  /** Fragment tests left out because a people-owned rule would fail them (they come back once it is gone). */
  readonly withheld: readonly WithheldTest[];
  /** How many entries of each list section are people-owned (they come first). */
  readonly peopleCounts: Readonly<Record<string, number>>;
}

const LIST_SECTIONS = ['grants', 'acls', 'ssh', 'tests', 'sshTests'] as const;

/**
 * The tailnet's one document: the people-owned part exactly as given (every section, every
 * entry, unknown sections too), the fragments' tag owners and rules added after it, and the
 * fragments' tests minus those a people-owned rule would fail (withheld, reported). Pure: the
 * Pulumi writer calls it with the live people-owned part, synthesis with the committed snapshot.
 */
export function composeTailnetPolicy(input: TailnetPolicyInput): ComposedTailnetPolicy {
  const base = input.fragments.find((f) => f.owner === BASE_OWNER) ?? { owner: BASE_OWNER, tags: [], ...emptyDocument() };
  const environments = input.fragments.filter((f) => f.owner !== BASE_OWNER);
  const own = composePolicy(input.tailnet, base, environments);
  const people = structuredClone(input.people);
  const document = { ...people } as PolicyDocument;
  document.groups = { ...(people.groups ?? {}), ...own.groups };
  document.tagOwners = { ...(people.tagOwners ?? {}), ...own.tagOwners };
  document.grants = [...(people.grants ?? []), ...own.grants];
  document.ssh = [...(people.ssh ?? []), ...own.ssh];
  document.tests = [...(people.tests ?? [])];
  document.sshTests = [...(people.sshTests ?? [])];
  const kept = withheldTests(document, { tests: own.tests, sshTests: own.sshTests }, own);
  document.tests.push(...kept.tests);
  document.sshTests.push(...kept.sshTests);

  const peopleCounts = Object.fromEntries(LIST_SECTIONS.map((s) => [s, ((people[s] as unknown[] | undefined) ?? []).length]));
  // Fragment rules follow the people's, fragment by fragment, in composition order.
  const fragmentOrder = [base, ...environments];
  const ownerOf: RuleOwners = (section, index) => {
    const offset = peopleCounts[section] ?? 0;
    if (index < offset) return PEOPLE_OWNER;
    let i = index - offset;
    for (const f of fragmentOrder) {
      const n = ((f[section] as unknown[] | undefined) ?? []).length;
      if (i < n) return f.owner;
      i -= n;
    }
    return PEOPLE_OWNER;
  };
  return { document, own, isolation: isolationFindings(document, [base, ...environments], ownerOf), withheld: kept.withheld, peopleCounts };
}
