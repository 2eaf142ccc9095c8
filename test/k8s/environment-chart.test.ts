import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart } from '../../src/k8s/environment-chart';
import { ENVIRONMENTS, staging, synth, variant } from '../fixtures';

describe('EnvironmentChart', () => {
  test('puts every object in the environment\'s namespace with its environment label', () => {
    for (const env of ENVIRONMENTS) {
      for (const object of synth(env).objects) {
        expect(object.metadata.namespace).toBe(env.namespace);
        expect(object.metadata.labels?.['tuist.dev/environment']).toBe(env.name);
      }
    }
  });

  test('keeps names and selectors when the chart is moved or renamed', () => {
    const selectors = (chart: EnvironmentChart): unknown => chart.toJson()
      .filter((o: any) => o.kind === 'Deployment')
      .map((o: any) => [o.metadata.name, o.spec.selector]);
    const plain = new EnvironmentChart(new App(), 'staging', { environment: staging });
    const nested = new EnvironmentChart(new Construct(new App(), 'Somewhere'), 'RenamedChart', { environment: staging });
    expect(selectors(nested)).toEqual(selectors(plain));
    expect(selectors(plain)).toEqual([
      ['tuist-tuist-processor', { matchLabels: { 'app.kubernetes.io/name': 'processor', 'app.kubernetes.io/instance': 'processor-staging' } }],
      ['tuist-tuist-xcresult-processor', { matchLabels: { 'app.kubernetes.io/name': 'xcresult-processor', 'app.kubernetes.io/instance': 'xcresult-processor-staging' } }],
    ]);
  });

  test('names every object after the Helm release\'s fullname, so a takeover adopts it', () => {
    const env = variant(staging, (d) => { d.release.fullname = 'acme-tuist'; });
    const names = synth(env).objects.map((o) => o.metadata.name);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name.startsWith('acme-tuist-')).toBe(true);
  });

  test('selectors match the pod template labels', () => {
    for (const env of ENVIRONMENTS) {
      for (const d of synth(env).objects.filter((o) => o.kind === 'Deployment') as any[]) {
        expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
      }
    }
  });
});
