import { environmentCheck, fail, pass } from '../environment-check';
import type { PathInput } from '../types';
import { describeObject } from '../manifest/objects';
import { poolerOf } from '../manifest/pooler';

export const poolerExposure = environmentCheck<PathInput>(
  'path.pooler-exposure',
  "The pooler's Service is exposed on the tailnet and its proxy carries exactly the environment's cluster tag",
  ({ environment, objects }) => {
    const pooler = poolerOf(environment, objects);
    if (typeof pooler === 'string') return fail(`${pooler}.`, 'Render the environment\'s Pooler (src/k8s/database-pooler.ts).');
    const clusterTag = environment.tailnet.clusterTag;
    const where = `${describeObject(pooler.object)}, spec.serviceTemplate.metadata.annotations`;
    if (!pooler.exposed) {
      return fail(
        `${where}: tailscale.com/expose is ${JSON.stringify(pooler.serviceAnnotations['tailscale.com/expose'] ?? null)}, so the Tailscale operator runs no proxy and the VMs cannot reach the pooler.`,
        'Enable pooler.tailnetExposure (it renders tailscale.com/expose: "true").',
      );
    }
    const tags = pooler.tags ?? [];
    if (tags.length !== 1 || tags[0] !== clusterTag) {
      return fail(
        `${where}: the proxy's tags are ${JSON.stringify(pooler.tags?.join(',') ?? null)}; the environment's cluster tag is "${clusterTag}", and the policy grants the VMs access to that tag only.`,
        `Set tailscale.com/tags to "${clusterTag}" (pooler.tailnetExposure.tags).`,
      );
    }
    return pass(`The operator exposes Service ${pooler.name} as ${pooler.hostname ?? '(no hostname)'} with tag ${clusterTag}.`);
  },
);
