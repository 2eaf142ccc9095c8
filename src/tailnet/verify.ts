/**
 * The gate every policy passes before it is written anywhere: validation, then the document's
 * own tests through the offline evaluator. Synthesis and the Pulumi program both compose
 * through here, so a policy that fails its tests never reaches dist/ or the control plane.
 */
import { tagOwnership } from './attribution';
import { composePolicy } from './compose';
import { type PolicyTestFailure, runPolicyTests } from './evaluate';
import type { PolicyDocument, PolicyFragment } from './policy';
import type { TailnetConfig } from '../config/tailnets';
import {
  type PolicyContext, type PolicyProblem, formatPolicyProblem, validateFragmentSet, validatePolicyDocument,
  validatePolicyFragment,
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

/** Validation problems and failing tests of a tailnet's fragments and the document they compose to. */
export function checkComposedPolicy(tailnet: TailnetConfig, base: PolicyFragment, fragments: readonly PolicyFragment[]): {
  document: PolicyDocument; problems: PolicyProblem[]; failures: TailnetTestFailure[];
} {
  const all = [base, ...fragments];
  const context: PolicyContext = { tailnet: tailnet.name, ownership: tagOwnership(all) };
  const document = composePolicy(tailnet, base, fragments);
  const checked = checkPolicyDocument(document, context);
  return {
    document,
    problems: [...validateFragmentSet(all, tailnet.name), ...all.flatMap((f) => validatePolicyFragment(f, context)), ...checked.problems],
    failures: checked.failures,
  };
}

/**
 * Composes a tailnet's document from the base and the environments' fragments (from code, or
 * as an environment last deployed them) and verifies it; throws a PolicyError on any finding.
 */
export function composeVerifiedPolicy(tailnet: TailnetConfig, base: PolicyFragment, fragments: readonly PolicyFragment[]): PolicyDocument {
  const { document, problems, failures } = checkComposedPolicy(tailnet, base, fragments);
  if (problems.length + failures.length > 0) throw new PolicyError(problems, failures);
  return document;
}
