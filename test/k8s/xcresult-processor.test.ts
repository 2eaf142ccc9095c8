import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENV_VARS } from '../../src/config/env-vars';
import { objectNames, vmPeerTags } from '../../src/config/names';
import { containerEnv, findObject, production, staging, synth, variant } from '../fixtures';

describe('XcresultProcessor', () => {
  const deployment = findObject(synth(staging), 'Deployment', 'tuist-tuist-xcresult-processor');
  const pod = deployment.spec.template.spec;

  test('lands only on Tart Mac minis of its fleet, tolerating their taint', () => {
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'darwin', 'tuist.dev/runtime': 'tart', 'tuist.dev/fleet': objectNames(staging).fleet });
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
    const rolling = findObject(synth(variant(staging, (d) => { d.xcresultProcessor.rollout = 'no-surge'; })), 'Deployment', deployment.metadata.name);
    expect(rolling.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(deployment.spec.progressDeadlineSeconds).toBe(1800);
    const recreate = findObject(synth(variant(staging, (d) => { d.xcresultProcessor.rollout = 'recreate'; })), 'Deployment', deployment.metadata.name);
    expect(recreate.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('carries no scrape annotations: its Pod IP is the guest\'s vmnet address, which the cluster cannot reach', () => {
    expect(Object.keys(deployment.spec.template.metadata.annotations ?? {}).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
  });

  test('gives the VM the configured grace period to drain', () => {
    expect(pod.terminationGracePeriodSeconds).toBe(staging.xcresultProcessor.terminationGracePeriodSeconds);
  });

  test('gets the database URL from the environment\'s key and joins the tailnet as its Pod', () => {
    const names = objectNames(staging);
    const exposure = staging.pooler.tailnetExposure as { hostname: string; tags: readonly string[] };
    expect(containerEnv(deployment)).toMatchObject({
      TUIST_MODE: 'xcresult_processor',
      TUIST_DATABASE_POOLED: '1',
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      DATABASE_URL: { secretKeyRef: { name: names.processorSecret, key: 'xcresult-processor-database-url' } },
      TAILSCALE_AUTH_KEY: { secretKeyRef: { name: names.vmCredentialSecret, key: 'auth-key' } },
      TAILSCALE_TAGS: staging.tailnet.vmTag,
      TAILSCALE_HOSTNAME: { fieldRef: { fieldPath: 'metadata.name' } },
      TAILSCALE_PEER_TAGS: vmPeerTags(staging).join(','),
      // The pooler's tailnet name, pinned only from a peer carrying the proxy's own tag.
      TAILSCALE_PIN_HOSTS: `${exposure.hostname}=${exposure.tags[0]}`,
    });
  });

  test('pins the tags of every peer it dials: the pooler proxy\'s and the receivers\'', () => {
    const env = variant(staging, (d) => { (d.pooler.tailnetExposure as any).tags = ['tag:tuist-pg-pooler-staging']; });
    const peers = containerEnv(findObject(synth(env), 'Deployment', deployment.metadata.name)).TAILSCALE_PEER_TAGS.split(',');
    expect(peers).toEqual(['tag:tuist-pg-pooler-staging', staging.tailnet.clusterTag]);
  });

  test('gets no tailnet credential when it does not join the tailnet', () => {
    const env = variant(staging, (d) => { d.xcresultProcessor.tailnetJoin = false; });
    const envVars = containerEnv(findObject(synth(env), 'Deployment', 'tuist-tuist-xcresult-processor'));
    expect(Object.keys(envVars).filter((k) => k.startsWith('TAILSCALE_'))).toEqual([]);
  });

  test('takes its resources and pinned image from the configuration', () => {
    expect(pod.containers[0].resources).toEqual(staging.xcresultProcessor.resources);
    const { repository, tag } = staging.xcresultProcessor.image;
    expect(pod.containers[0].image).toBe(`${repository}:${tag}`);
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
    const pdb = findObject(manifests, 'PodDisruptionBudget', 'tuist-tuist-xcresult-processor');
    expect(pdb.spec).toEqual({ minAvailable: (production.xcresultProcessor.podDisruptionBudget as { minAvailable: number }).minAvailable, selector: { matchLabels: findObject(manifests, 'Deployment', 'tuist-tuist-xcresult-processor').spec.selector.matchLabels } });
  });

  test('renders a digest as repository@digest', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const env = variant(production, (d) => { d.xcresultProcessor.image.tag = digest; });
    expect(findObject(synth(env), 'Deployment', 'tuist-tuist-xcresult-processor').spec.template.spec.containers[0].image).toBe(`${production.xcresultProcessor.image.repository}@${digest}`);
  });

  test('sets the tailnet variables by the names the VM\'s boot script reads', () => {
    const script = fs.readFileSync(path.join(__dirname, '..', '..', 'vm', 'tailscale-up.sh'), 'utf8');
    const set = Object.keys(containerEnv(deployment));
    for (const name of [ENV_VARS.tailscaleAuthKey, ENV_VARS.tailscaleTags, ENV_VARS.tailscaleHostname, ENV_VARS.tailscalePeerTags]) {
      expect(set).toContain(name);
      expect(script).toContain(`\${${name}`);
    }
  });
});
