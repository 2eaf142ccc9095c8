/**
 * The app `cdk8s synth` runs (see cdk8s.yaml): the same charts as `npm run synth`, written
 * by cdk8s itself (one file per chart) into its own output directory. `npm run synth` is
 * the main job; this exists so the standard cdk8s tooling works on the project too.
 */
import { App, YamlOutputType } from 'cdk8s';
import { loadModel } from '../config/load';
import { EnvironmentChart } from '../k8s/environment-chart';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'cdk8s-app',
  usage: 'npx cdk8s synth   (runs node scripts/run.js cdk8s-app, see cdk8s.yaml)',
  description: 'The app cdk8s synth runs: the same charts as npm run synth, one file per chart, into the folder cdk8s passes in CDK8S_OUTDIR (cdk8s.out). No checks; npm run synth is the main job.',
  options: {},
  exitCodes: { 0: 'written', 1: 'invalid configuration', 2: 'usage error' },
});

export function main(argv: readonly string[] = [], context: CliContext = defaultContext()): number {
  if (parseCommandLine(COMMAND, argv, context) === undefined) return 0;
  const model = loadModel(context.environments, context.tailnets);
  // cdk8s passes the output directory it wants through CDK8S_OUTDIR, which App reads itself.
  const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART });
  for (const environment of model.environments) new EnvironmentChart(app, environment.name, { environment });
  app.synth();
  return 0;
}
