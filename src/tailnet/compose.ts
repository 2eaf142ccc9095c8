/**
 * Composing a tailnet's one policy document from its fragments, and the tests that prove the
 * environments on it are isolated from each other. Order is deterministic: the base first,
 * then the environments in the order given, then the isolation tests.
 */
import type { TailnetConfig } from '../config/tailnets';
import { withLists } from './fragments';
import { BASE_OWNER, type PolicyDocument, type PolicyFragment, type PolicyTest, type SshTest, emptyDocument } from './policy';
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
