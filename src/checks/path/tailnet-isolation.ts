/**
 * Isolation over the tailnet's complete policy (people-owned entries included): no rule opens
 * a path from another environment's tags to this one's, or from this one's to another's. A
 * people-owned rule that does (the live catch-all) is reported on every run, naming it; it
 * fails only where the tailnet's configuration enforces isolation (no stack may remove it).
 */
import { formatIsolationFinding } from '../../tailnet/isolation';
import { assumed, environmentCheck, fail, pass } from '../environment-check';
import type { PathInput } from '../types';

export const tailnetIsolation = environmentCheck<PathInput>(
  'path.tailnet-isolation',
  "No rule of the tailnet's policy, people-owned ones included, opens a path between this environment and another",
  ({ environment, input }) => {
    const policy = input.policies.find((p) => p.tailnet.name === environment.tailnet.tailnet);
    if (policy === undefined) return fail(`There is no policy for tailnet "${environment.tailnet.tailnet}".`, `Declare tailnet "${environment.tailnet.tailnet}" in src/config/tailnets.ts.`);
    const mine = (policy.isolation ?? []).filter((f) => f.paths.some((p) => p.from === environment.name || p.to === environment.name));
    if (mine.length === 0) return pass(`No rule of tailnet "${policy.tailnet.name}" connects ${environment.name} with another environment (proven over the fragments and the people-owned part).`);
    const message = `${mine.map(formatIsolationFinding).join('; ')}.`;
    const fix = 'Remove or narrow the rule in the admin console, export the policy and run `npm run policy:import`; no stack may remove a people-owned rule.';
    if (policy.tailnet.enforceIsolation || mine.some((f) => f.owner !== 'people')) return fail(message, fix);
    return assumed(`${message} Reported, not enforced (tailnet "${policy.tailnet.name}" has enforceIsolation: false); the environments' own rules keep them apart.`, fix);
  },
);
