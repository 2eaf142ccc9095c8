/**
 * The gate every policy passes before it is written anywhere: validation, then the document's
 * own tests through the offline evaluator. Synthesis and the Pulumi program both compose
 * through here, so a policy that fails its tests never reaches dist/ or the control plane.
 */
import { tagOwnership } from './attribution';
import { type ComposedTailnetPolicy, composeTailnetPolicy } from './compose';
import { type PolicyTestFailure, evaluatePolicyTests, runPolicyTests } from './evaluate';
import { formatIsolationFinding } from './isolation';
import { withReadCache } from './memo';
import { type PolicyDocument, type PolicyFragment, emptyDocument } from './policy';
import type { TailnetConfig } from '../config/tailnets';
import {
  type PolicyContext, type PolicyProblem, type ReviewContext, formatPolicyProblem, reviewPolicyDocument, undeclaredReferences,
  validateFragmentSet, validatePolicyDocument, validatePolicyFragment,
} from './validate';
import { UserError } from '../errors/user-error';

export interface TailnetTestFailure extends PolicyTestFailure {
  readonly tailnet: string;
}

/** Thrown when a policy is invalid or fails its own tests; carries everything found. */
export class PolicyError extends UserError {
  constructor(readonly problems: readonly PolicyProblem[], readonly failures: readonly TailnetTestFailure[]) {
    const tailnets = [...new Set([...problems, ...failures].map((f) => f.tailnet))].map((t) => `"${t}"`).join(', ');
    const lines = [
      `Tailnet policy of ${tailnets} is not safe to apply (${problems.length} problem(s), ${failures.length} failing policy test(s)):`,
      ...problems.map((p) => `  - ${formatPolicyProblem(p)}`),
      ...failures.map((f) => `  - tailnet "${f.tailnet}", ${f.message}`),
      'Fix: correct the environment configuration (src/config) or the policy rules (src/tailnet); the policy\'s own tests must pass before it reaches the control plane.',
    ];
    super(lines.join('\n'));
  }
}

/** Validation problems and failing tests of a composed document. */
export function checkPolicyDocument(doc: PolicyDocument, context: PolicyContext): { problems: PolicyProblem[]; failures: TailnetTestFailure[] } {
  return {
    problems: validatePolicyDocument(doc, context),
    failures: runPolicyTests(doc).map((f) => ({ tailnet: context.tailnet, ...f })),
  };
}

/** Throws a PolicyError unless the document is valid and passes every one of its tests. */
export function verifyPolicyDocument(doc: PolicyDocument, context: PolicyContext): void {
  const { problems, failures } = checkPolicyDocument(doc, context);
  if (problems.length + failures.length > 0) throw new PolicyError(problems, failures);
}

/** Everything the gate finds in one tailnet's composed policy. */
export interface CheckedTailnetPolicy extends ComposedTailnetPolicy {
  /** Blocking: our fragments break a rule, the control plane would reject the document, or isolation is enforced and broken. */
  readonly problems: PolicyProblem[];
  /** Blocking: tests of the document (people's or ours) that fail or would be rejected. */
  readonly failures: TailnetTestFailure[];
  /** Reported, not blocking: what a reviewer would refuse in the people-owned part. */
  readonly findings: PolicyProblem[];
  /** Reported, not blocking: test expectations the evaluator cannot prove offline. */
  readonly unproven: TailnetTestFailure[];
}

/**
 * Validation problems and failing tests of a tailnet's fragments and the document they compose
 * to with the people-owned part (a committed snapshot, or live; empty by default).
 */
export function checkComposedPolicy(tailnet: TailnetConfig, base: PolicyFragment, fragments: readonly PolicyFragment[], people: PolicyDocument = emptyDocument()): CheckedTailnetPolicy {
  return withReadCache(() => checkComposed(tailnet, base, fragments, people));
}

function checkComposed(tailnet: TailnetConfig, base: PolicyFragment, fragments: readonly PolicyFragment[], people: PolicyDocument): CheckedTailnetPolicy {
  const all = [base, ...fragments];
  const context: PolicyContext = { tailnet: tailnet.name, ownership: tagOwnership(all) };
  const review: ReviewContext = { tailnet: tailnet.name, userDomains: tailnet.userDomains };
  const composed = composeTailnetPolicy({ tailnet, people, fragments: all });
  // Our own fragments, on their own: least privilege by construction, and what a reviewer would apply.
  const ownProblems = [...validatePolicyDocument(composed.own, context), ...reviewPolicyDocument(composed.own, review)];
  const outcomes = evaluatePolicyTests(composed.document).map((o) => ({ tailnet: tailnet.name, ...o }));
  const enforced: PolicyProblem[] = tailnet.enforceIsolation
    ? composed.isolation.map((f) => ({ tailnet: tailnet.name, path: f.rule, message: `${formatIsolationFinding(f)}; the tailnet's configuration enforces isolation (enforceIsolation). Fix: remove or narrow the rule in the admin console, or set enforceIsolation to false in src/config/tailnets.ts.` }))
    : [];
  return {
    ...composed,
    problems: [...tailnetConfigProblems(tailnet), ...validateFragmentSet(all, tailnet.name), ...all.flatMap((f) => validatePolicyFragment(f, context)), ...ownProblems, ...undeclaredReferences(composed.document, tailnet.name), ...enforced],
    failures: outcomes.filter((o) => o.outcome !== 'unproven'),
    findings: reviewPolicyDocument(people, review).map((f) => ({ ...f, path: `people-owned ${f.path}` })),
    unproven: outcomes.filter((o) => o.outcome === 'unproven'),
  };
}

/**
 * Composes a tailnet's document from the base, the environments' fragments (from code, or as
 * an environment last deployed them) and the people-owned part, and verifies it; throws a
 * PolicyError on any blocking finding.
 */
export function composeVerifiedPolicy(tailnet: TailnetConfig, base: PolicyFragment, fragments: readonly PolicyFragment[], people?: PolicyDocument): PolicyDocument {
  const { document, problems, failures } = checkComposedPolicy(tailnet, base, fragments, people);
  if (problems.length + failures.length > 0) throw new PolicyError(problems, failures);
  return document;
}

/** The tailnet's own configuration (src/config/tailnets.ts): what the policy's rules rely on. */
export function tailnetConfigProblems(tailnet: TailnetConfig): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const add = (path: string, message: string): void => { problems.push({ tailnet: tailnet.name, path: `src/config/tailnets.ts ${path}`, message }); };
  if (tailnet.userDomains.length === 0) add('userDomains', 'is empty; name the login domains of the tailnet\'s users (e.g. "tuist.dev"), so a user of another domain in a rule is caught.');
  tailnet.userDomains.forEach((d, i) => {
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d)) add(`userDomains[${i}]`, `${JSON.stringify(d)} is not a domain like "tuist.dev".`);
  });
  if (tailnet.tagAdmins.length === 0) add('tagAdmins', 'is empty; name who owns the environments\' tags (the live tailnet: "autogroup:admin").');
  return problems;
}
