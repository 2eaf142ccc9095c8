/**
 * The app `cdk8s synth` runs (see cdk8s.yaml): the same charts as `npm run synth`, written
 * by cdk8s itself (one file per chart) into its own output directory. `npm run synth` is
 * the main job; this exists so the standard cdk8s tooling works on the project too.
 */
import { App, YamlOutputType } from 'cdk8s';
import { loadModel } from '../config/load';
import { EnvironmentChart } from '../k8s/environment-chart';

export function main(): number {
  const model = loadModel();
  // cdk8s passes the output directory it wants through CDK8S_OUTDIR, which App reads itself.
  const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART });
  for (const environment of model.environments) new EnvironmentChart(app, environment.name, { environment });
  app.synth();
  return 0;
}
