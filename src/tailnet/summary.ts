/** One summary line per tailnet, for `npm run synth`. */
import { runPolicyTests } from './evaluate';
import { reachabilityMatrix } from './matrix';
import type { TailnetPolicy } from './policy';
import { policyFileName } from './render';

export const POLICY_SUMMARY_HEADER = ['tailnet', 'environments', 'rules', 'policy tests (offline)', 'open source→port pairs', 'file'];

/** Individual expectations in the document's tests (each target, each user). */
export function countExpectations(policy: TailnetPolicy): number {
  const { tests, sshTests } = policy.document;
  return tests.reduce((n, t) => n + (t.accept ?? []).length + (t.deny ?? []).length, 0)
    + sshTests.reduce((n, t) => n + t.dst.length * ((t.accept ?? []).length + (t.check ?? []).length + (t.deny ?? []).length), 0);
}

export function policySummaryRow(policy: TailnetPolicy): string[] {
  const doc = policy.document;
  const failing = runPolicyTests(doc).length;
  const matrix = reachabilityMatrix(doc);
  const open = matrix.network.flat().filter((r) => r !== 'deny').length;
  return [
    policy.tailnet.name,
    policy.environments.map((e) => e.name).join(', ') || '-',
    `${doc.grants.length} grants, ${doc.ssh.length} ssh`,
    `${doc.tests.length} tests + ${doc.sshTests.length} sshTests, ${countExpectations(policy)} expectations, ${failing === 0 ? 'all pass' : `${failing} FAIL`}`,
    `${open} of ${matrix.network.flat().length}`,
    `dist/${policyFileName(policy.tailnet.name)}`,
  ];
}
