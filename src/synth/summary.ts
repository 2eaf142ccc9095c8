import { imageReference } from '../config/names';
import { formatTable } from '../report/table';
import { POLICY_SUMMARY_HEADER, policySummaryRow } from '../tailnet/summary';
import type { Build } from './build';

/** The short tables `npm run synth` prints: what each environment renders, and each tailnet's policy. */
export function formatSummary(result: Build): string {
  const rows = result.environments.map(({ environment: env, objects }) => {
    const kinds = new Map<string, number>();
    for (const object of objects) kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
    const exposure = env.pooler.tailnetExposure;
    return [
      env.name,
      env.namespace,
      [...kinds.entries()].sort().map(([kind, n]) => `${n} ${kind}`).join(', '),
      exposure.enabled ? `${exposure.hostname} (${exposure.tags.join(',')})` : 'not exposed',
      `${env.pooler.instances}× ${env.pooler.poolMode}`,
      imageReference(env.xcresultProcessor.image).replace(/^.*\//, ''),
      `pulumi ${env.vmCredential.kind}`,
    ];
  });
  const environments = formatTable(['environment', 'namespace', 'objects', 'pooler on tailnet', 'pooler', 'xcresult image', 'vm credential'], rows);
  return `${environments}\n\n${formatTable(POLICY_SUMMARY_HEADER, result.tailnets.map(policySummaryRow))}`;
}
