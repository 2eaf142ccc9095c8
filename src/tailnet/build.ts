/** From the validated model to one verified policy per tailnet. */
import type { Model } from '../config/load';
import { environmentPolicyFragment, basePolicyFragment } from './fragments';
import { readPeopleSnapshot } from './people';
import { type PolicyDocument, type TailnetPolicy, emptyDocument } from './policy';
import { PolicyError, checkComposedPolicy } from './verify';

/** The people-owned part of a tailnet, by name (default: the committed snapshot; none → empty). */
export type PeopleSource = (tailnet: string) => PolicyDocument | undefined;

/**
 * One policy per tailnet that has environments on it, covering them in the model's order,
 * composed with the tailnet's people-owned part. Throws one PolicyError listing the findings
 * of every tailnet when any policy is invalid or fails its own tests.
 */
export function buildTailnetPolicies(model: Model, peopleOf: PeopleSource = (name) => readPeopleSnapshot(name)): TailnetPolicy[] {
  const used = model.tailnets.filter((tailnet) => model.environments.some((env) => env.tailnet.tailnet === tailnet.name));
  const results = used.map((tailnet) => {
    const environments = model.environments.filter((env) => env.tailnet.tailnet === tailnet.name);
    const base = basePolicyFragment(tailnet, environments);
    const fragments = environments.map((env) => environmentPolicyFragment(env, tailnet));
    const people = peopleOf(tailnet.name) ?? emptyDocument();
    return { tailnet, environments: [...environments], base, fragments, people, ...checkComposedPolicy(tailnet, base, fragments, people) };
  });
  const problems = results.flatMap((r) => r.problems);
  const failures = results.flatMap((r) => r.failures);
  if (problems.length + failures.length > 0) throw new PolicyError(problems, failures);
  return results;
}
