import { environmentCheck, fail, pass } from '../environment-check';
import type { PathInput } from '../types';
import { describeObject } from '../manifest/objects';
import { poolerOf } from '../manifest/pooler';

export const poolerExposure = environmentCheck<PathInput>(
  'path.pooler-exposure',
  "The pooler's Service is exposed on the tailnet and its proxy carries exactly the pooler proxy's own tags",
  ({ environment, objects }) => {
    const pooler = poolerOf(environment, objects);
    if (typeof pooler === 'string') return fail(`${pooler}.`, 'Render the environment\'s Pooler (src/k8s/database-pooler.ts).');
    // The proxy's own tags (pooler.tailnetExposure.tags): the policy grants the VMs the pooler port there only.
    const exposure = environment.pooler.tailnetExposure;
    const expected = exposure.enabled ? exposure.tags : [];
    const where = `${describeObject(pooler.object)}, spec.serviceTemplate.metadata.annotations`;
    if (!pooler.exposed) {
      return fail(
        `${where}: tailscale.com/expose is ${JSON.stringify(pooler.serviceAnnotations['tailscale.com/expose'] ?? null)}, so the Tailscale operator runs no proxy and the VMs cannot reach the pooler.`,
        'Enable pooler.tailnetExposure (it renders tailscale.com/expose: "true").',
      );
    }
    const tags = pooler.tags ?? [];
    if (tags.join(',') !== expected.join(',')) {
      return fail(
        `${where}: the proxy's tags are ${JSON.stringify(pooler.tags?.join(',') ?? null)}; the pooler proxy's tags are "${expected.join(',')}", and the policy grants the VMs the pooler port on those tags only.`,
        `Set tailscale.com/tags to "${expected.join(',')}" (pooler.tailnetExposure.tags).`,
      );
    }
    return pass(`The operator exposes Service ${pooler.name} as ${pooler.hostname ?? '(no hostname)'} with tag${expected.length > 1 ? 's' : ''} ${expected.join(', ')}.`);
  },
);
