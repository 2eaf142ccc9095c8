import { POOLER_SERVICE_PORT } from '../../config/names';
import { canConnect } from '../../tailnet/evaluate';
import { environmentCheck, fail, pass, skip } from '../environment-check';
import { describeObject } from '../manifest/objects';
import { poolerOf } from '../manifest/pooler';
import type { PathInput } from '../types';
import { ownGrants } from './own-grants';

export const policyGrant = environmentCheck<PathInput>(
  'path.policy-grant',
  "The tailnet policy lets the environment's VM tag reach the pooler proxy's tags on tcp:5432",
  ({ environment, objects, input }) => {
    const pooler = poolerOf(environment, objects);
    if (typeof pooler === 'string') return fail(`${pooler}, so there is no proxy to reach.`, 'Render the environment\'s Pooler (src/k8s/database-pooler.ts).');
    const proxyTags = (pooler.tags ?? []).filter((tag) => tag !== '');
    if (proxyTags.length === 0) return skip(`${describeObject(pooler.object)} gives its proxy no tags (see path.pooler-exposure), so no grant can name it.`);
    const tailnet = environment.tailnet.tailnet;
    const policy = input.policies.find((p) => p.tailnet.name === tailnet);
    if (policy === undefined) {
      return fail(`There is no policy for tailnet "${tailnet}", so nothing lets the VMs reach the proxy.`, `Declare tailnet "${tailnet}" in src/config/tailnets.ts.`);
    }
    const vmTag = environment.tailnet.vmTag;
    const own = ownGrants(policy);
    // The proxy node carries all its tags: a grant to any one of them lets the VMs in.
    for (const tag of proxyTags) {
      const result = canConnect(own.document, vmTag, tag, 'tcp', POOLER_SERVICE_PORT);
      const rule = own.rule(result.rule);
      if (result.allowed) return pass(`In tailnet "${tailnet}", ${rule} lets ${vmTag} reach the proxy's ${tag} on tcp:${POOLER_SERVICE_PORT}.`);
    }
    return fail(
      `In tailnet "${tailnet}", no grant lets ${vmTag} reach the proxy's tag${proxyTags.length > 1 ? 's' : ''} ${proxyTags.join(', ')} on tcp:${POOLER_SERVICE_PORT}; the tailnet drops the VMs' connections.`,
      `Grant ${vmTag} → ${proxyTags[0]} on tcp:${POOLER_SERVICE_PORT} in the environment's policy fragment (src/tailnet/fragments.ts), or give the proxy the environment's cluster tag.`,
    );
  },
);
