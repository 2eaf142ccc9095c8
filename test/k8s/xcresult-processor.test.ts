import { containerEnv, findObject, production, staging, synth, variant } from '../fixtures';
import { poolerProxyTags } from '../../src/tailnet/paths';

describe('XcresultProcessor', () => {
  const deployment = findObject(synth(staging), 'Deployment', 'tuist-xcresult-processor');
  const pod = deployment.spec.template.spec;

  test('lands only on Tart Mac minis of its fleet, tolerating their taint', () => {
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'darwin', 'tuist.dev/runtime': 'tart', 'tuist.dev/fleet': 'staging' });
    expect(pod.tolerations).toEqual([{ key: 'tuist.dev/macos', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('runs exactly one container with metrics on hostPort 9091 and a hostname spread', () => {
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].ports).toEqual([{ name: 'metrics', containerPort: 9091, hostPort: 9091, protocol: 'TCP' }]);
    expect(pod.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
    }]);
  });

  test('never surges and waits 1800 s for progress', () => {
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(deployment.spec.progressDeadlineSeconds).toBe(1800);
    const recreate = findObject(synth(variant(staging, (d) => { d.xcresultProcessor.rollout = 'recreate'; })), 'Deployment', 'tuist-xcresult-processor');
    expect(recreate.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('is scraped by Prometheus on 9091', () => {
    expect(deployment.spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '9091', 'prometheus.io/path': '/metrics',
    });
  });

  test('gets the database URL from the environment\'s key and joins the tailnet as its Pod', () => {
    expect(containerEnv(deployment)).toEqual({
      TUIST_MODE: 'xcresult_processor',
      TUIST_DATABASE_POOLED: '1',
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      DATABASE_URL: { secretKeyRef: { name: 'tuist-processor-database', key: 'xcresult-processor-database-url' } },
      TAILSCALE_AUTH_KEY: { secretKeyRef: { name: 'tuist-macos-fleet-tailscale', key: 'auth-key' } },
      TAILSCALE_HOSTNAME: { fieldRef: { fieldPath: 'metadata.name' } },
      // The VM pins its environment's proxies: the pooler's own tags and the cluster tag.
      TAILSCALE_PEER_TAGS: [...poolerProxyTags(staging), staging.tailnet.clusterTag].join(','),
    });
  });

  test('gets no tailnet credential when it does not join the tailnet', () => {
    const env = variant(staging, (d) => { d.xcresultProcessor.tailnetJoin = false; });
    const envVars = containerEnv(findObject(synth(env), 'Deployment', 'tuist-xcresult-processor'));
    expect(Object.keys(envVars).filter((k) => k.startsWith('TAILSCALE_'))).toEqual([]);
  });

  test('requests 1000m/2Gi and is limited to 3000m/4Gi with its pinned image', () => {
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '3000m', memory: '4Gi' } });
    expect(pod.containers[0].image).toBe('ghcr.io/tuist/xcresult-processor:c6d08f92');
  });

  test('carries a reason for every Linux-only rule it is exempt from', () => {
    const exemptions = Object.entries(deployment.metadata.annotations).filter(([k]) => k.startsWith('ignore-check.kube-linter.io/'));
    expect(exemptions.map(([k]) => k).sort()).toEqual([
      'ignore-check.kube-linter.io/drop-capabilities', 'ignore-check.kube-linter.io/no-read-only-root-fs', 'ignore-check.kube-linter.io/run-as-non-root',
    ]);
    for (const [, reason] of exemptions) expect(String(reason)).toMatch(/^Tart VM: .{10,}/);
  });

  test('gets a PodDisruptionBudget with the same selector only where the environment asks', () => {
    expect(synth(staging).objects.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
    const manifests = synth(production);
    const pdb = findObject(manifests, 'PodDisruptionBudget', 'tuist-xcresult-processor');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: findObject(manifests, 'Deployment', 'tuist-xcresult-processor').spec.selector.matchLabels } });
  });

  test('renders a digest as repository@digest', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const env = variant(production, (d) => { d.xcresultProcessor.image.tag = digest; });
    expect(findObject(synth(env), 'Deployment', 'tuist-xcresult-processor').spec.template.spec.containers[0].image).toBe(`ghcr.io/tuist/xcresult-processor@${digest}`);
  });
});
