/**
 * Tests a fragment cannot send yet. The control plane rejects a whole policy when any of its
 * tests fails, so while a people-owned rule (the live catch-all) opens a path that a fragment's
 * deny test says is closed, sending that test would fail every write. Such an expectation is
 * withheld (and reported), and comes back on its own once the rule is gone: withholding is a
 * pure function of the document, recomputed on every synth and every write.
 */
import { evaluatePolicyTests } from './evaluate';
import type { PolicyDocument, PolicyTest, SshTest } from './policy';

export interface WithheldTest {
  readonly section: 'tests' | 'sshTests';
  /** The test's source, e.g. `tag:tuist-macmini-canary`. */
  readonly src: string;
  /** The expectation left out, e.g. `deny tag:tuist-k8s-production:5432`. */
  readonly expectation: string;
  /** The people-owned rule that would fail it (or make it unproven). */
  readonly rule?: string;
  readonly outcome: 'fail' | 'unproven';
  readonly message: string;
}

/**
 * The fragments' own tests, each expectation checked against the whole document: those the
 * whole document fails (or cannot prove) but the fragments alone pass are withheld, because
 * only a people-owned rule can make them fail. Expectations the fragments fail on their own are
 * kept: they are our defects and must fail the build.
 */
export function withheldTests(
  document: PolicyDocument,
  own: { readonly tests: readonly PolicyTest[]; readonly sshTests: readonly SshTest[] },
  ownDocument: PolicyDocument,
): { tests: PolicyTest[]; sshTests: SshTest[]; withheld: WithheldTest[] } {
  // Evaluate the fragments' tests in the whole document, and on their own.
  const probe = { ...document, tests: [...own.tests], sshTests: [...own.sshTests] };
  const inWhole = evaluatePolicyTests(probe);
  // Only an expectation the whole document does not plainly pass can be withheld: when there
  // is none (no people-owned rule gets in the way), the fragments alone need no evaluation.
  const alone = new Set(inWhole.length === 0 ? [] : evaluatePolicyTests({ ...ownDocument, tests: [...own.tests], sshTests: [...own.sshTests] }).map((o) => `${o.section}|${o.index}|${o.expectation}`));
  const withheld: WithheldTest[] = [];
  const drop = new Set<string>();
  for (const o of inWhole) {
    if (o.outcome === 'rejected' || alone.has(`${o.section}|${o.index}|${o.expectation}`)) continue;
    drop.add(`${o.section}|${o.index}|${o.expectation}`);
    const src = o.section === 'tests' ? own.tests[o.index]!.src : own.sshTests[o.index]!.src;
    withheld.push({ section: o.section, src, expectation: o.expectation, ...(o.rule ? { rule: o.rule } : {}), outcome: o.outcome, message: o.message });
  }
  const keep = (section: 'tests' | 'sshTests', index: number, expected: string, values: readonly string[] | undefined, dst?: string): string[] =>
    (values ?? []).filter((v) => !drop.has(`${section}|${index}|${expected} ${dst === undefined ? v : `${v}@${dst}`}`));
  const tests = own.tests.flatMap((t, i) => {
    const accept = keep('tests', i, 'accept', t.accept);
    const deny = keep('tests', i, 'deny', t.deny);
    return accept.length + deny.length === 0 ? [] : [withLists({ src: t.src, ...(t.proto === undefined ? {} : { proto: t.proto }) }, { accept, deny })];
  });
  // SSH tests: one per source and destination set whose lists survive; unchanged tests keep their shape.
  const rebuilt: SshTest[] = [];
  own.sshTests.forEach((t, i) => {
    const perDst = t.dst.map((dst) => ({ dst, accept: keep('sshTests', i, 'accept', t.accept, dst), check: keep('sshTests', i, 'check', t.check, dst), deny: keep('sshTests', i, 'deny', t.deny, dst) }));
    const same = perDst.every((d) => d.accept.length === (t.accept ?? []).length && d.check.length === (t.check ?? []).length && d.deny.length === (t.deny ?? []).length);
    if (same) { rebuilt.push(t); return; }
    for (const d of perDst) {
      if (d.accept.length + d.check.length + d.deny.length > 0) rebuilt.push(withLists({ src: t.src, dst: [d.dst] }, { accept: d.accept, check: d.check, deny: d.deny }));
    }
  });
  return { tests, sshTests: rebuilt, withheld };
}

/** Adds the non-empty lists only. */
function withLists<T extends object>(base: T, lists: Record<string, string[]>): T {
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, values] of Object.entries(lists)) if (values.length > 0) result[key] = values;
  return result as T;
}

export function formatWithheldTest(w: WithheldTest): string {
  return `withheld ${w.section} from ${w.src}: ${w.expectation}${w.rule ? ` (${w.outcome === 'fail' ? 'fails' : 'unproven'} because of people-owned ${w.rule})` : ''}; it is sent again, without anyone acting, once that rule is gone.`;
}
