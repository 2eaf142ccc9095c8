/** From the validated model to one verified policy per tailnet. */
import type { Model } from '../config/load';
import { environmentPolicyFragment, basePolicyFragment } from './fragments';
import type { TailnetPolicy } from './policy';
import { PolicyError, checkComposedPolicy } from './verify';

/**
 * One policy per tailnet that has environments on it, covering them in the model's order.
 * Throws one PolicyError listing the findings of every tailnet when any policy is invalid or
 * fails its own tests.
 */
export function buildTailnetPolicies(model: Model): TailnetPolicy[] {
  const used = model.tailnets.filter((tailnet) => model.environments.some((env) => env.tailnet.tailnet === tailnet.name));
  const results = used.map((tailnet) => {
    const environments = model.environments.filter((env) => env.tailnet.tailnet === tailnet.name);
    const base = basePolicyFragment(tailnet, environments);
    const fragments = environments.map((env) => environmentPolicyFragment(env, tailnet));
    return { policy: { tailnet, environments, base, fragments }, ...checkComposedPolicy(tailnet, base, fragments) };
  });
  const problems = results.flatMap((r) => r.problems);
  const failures = results.flatMap((r) => r.failures);
  if (problems.length + failures.length > 0) throw new PolicyError(problems, failures);
  return results.map((r) => ({ ...r.policy, document: r.document }));
}
