/** One summary line per tailnet, for `npm run synth`. */
import { reachabilityMatrix } from './matrix';
import type { TailnetPolicy } from './policy';
import { policyFileName } from './render';

export const POLICY_SUMMARY_HEADER = ['tailnet', 'environments', 'rules', 'policy tests (offline)', 'isolation', 'open source→port pairs', 'file'];

/** Individual expectations in the document's tests (each target, each user). */
export function countExpectations(policy: Pick<TailnetPolicy, 'document'>): number {
  const { tests, sshTests } = policy.document;
  return (tests ?? []).reduce((n, t) => n + (t.accept ?? []).length + (t.deny ?? []).length, 0)
    + (sshTests ?? []).reduce((n, t) => n + t.dst.length * ((t.accept ?? []).length + (t.check ?? []).length + (t.deny ?? []).length), 0);
}

export function policySummaryRow(policy: TailnetPolicy): string[] {
  const doc = policy.document;
  const matrix = reachabilityMatrix(doc);
  const open = matrix.network.flat().filter((r) => r !== 'deny').length;
  const people = policy.isolation.filter((f) => f.owner === 'people').map((f) => f.rule.slice(0, f.rule.indexOf(' ')));
  return [
    policy.tailnet.name,
    policy.environments.map((e) => e.name).join(', ') || '-',
    `${doc.grants.length} grants, ${doc.ssh.length} ssh`,
    `${doc.tests.length} tests + ${doc.sshTests.length} sshTests, ${countExpectations(policy)} expectations, all pass${policy.withheld.length > 0 ? `, ${policy.withheld.length} withheld` : ''}${policy.unproven.length > 0 ? `, ${policy.unproven.length} unproven` : ''}${policy.findings.length > 0 ? `; ${policy.findings.length} reviewer finding(s) in the people-owned part (see the matrix)` : ''}`,
    policy.isolation.length === 0 ? 'proven' : `CROSS-ENVIRONMENT PATHS through ${people.length > 0 ? `people-owned ${people.join(', ')}` : policy.isolation.map((f) => f.rule).join(', ')}${policy.tailnet.enforceIsolation ? '' : ' (reported; not enforced)'}`,
    `${open} of ${matrix.network.flat().length}`,
    `dist/${policyFileName(policy.tailnet.name)}`,
  ];
}
