/**
 * Benchmark entry: synthesizes N generated environments in one process, as `npm run synth`
 * does (validate, then build every file in memory). Each is a variant of staging named
 * env001… with its own namespace, tags, hostname, vault items, fleet and tailnet, so the
 * result is a valid model. `node bench/run.js` times it for N=3, 100 and 300.
 * Usage: node bench/synth-many.js <N> (which loads this file as the commands are loaded);
 * prints the number of files built.
 */
import { ENVIRONMENTS } from '../src/config/environments';
import { loadModel } from '../src/config/load';
import { TAILNETS, type TailnetConfig } from '../src/config/tailnets';
import type { EnvironmentConfig } from '../src/config/types';
import { build } from '../src/synth/build';

export function generatedModel(count: number): { environments: EnvironmentConfig[]; tailnets: TailnetConfig[] } {
  const staging = ENVIRONMENTS.find((e) => e.stage === 'staging')!;
  const template = TAILNETS.find((t) => t.name === staging.tailnet.tailnet)!;
  const environments: EnvironmentConfig[] = [];
  const tailnets: TailnetConfig[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `env${String(i).padStart(3, '0')}`;
    const tailnet = `tuist-${name}`;
    const clusterTag = `tag:tuist-k8s-${name}`;
    tailnets.push({ ...template, name: tailnet });
    environments.push({
      ...staging,
      name,
      namespace: `tuist-${name}`,
      tailnet: { tailnet, operatorTag: `tag:tuist-k8s-operator-${name}`, clusterTag, vmTag: `tag:tuist-macmini-${name}` },
      pooler: { ...staging.pooler, tailnetExposure: { enabled: true, hostname: `tuist-pg-pooler-${name}`, tags: [`tag:tuist-pg-pooler-${name}`] } },
      processorSecrets: { ...staging.processorSecrets, databasePassword: { ...staging.processorSecrets.databasePassword, key: `tuist-${name}-postgres` } },
      processor: { ...staging.processor, image: { ...staging.processor.image, tag: `1.0.${i}` } },
      xcresultProcessor: { ...staging.xcresultProcessor, image: { ...staging.xcresultProcessor.image, tag: `1.0.${i}` } },
    });
  }
  return { environments, tailnets };
}

export function main(argv: readonly string[]): number {
  const count = Number(argv[0]);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write(`usage: synth-many <N>, N a whole number of at least 1; got ${JSON.stringify(argv[0])}\n`);
    return 2;
  }
  const { environments, tailnets } = generatedModel(count);
  const result = build(loadModel(environments, tailnets));
  process.stdout.write(`${result.files.size}\n`);
  return 0;
}
