import { PROCESSOR_COMMAND } from '../../src/k8s/linux-processor';
import { containerEnv, findObject, production, staging, synth, variant } from '../fixtures';

describe('LinuxProcessor', () => {
  const deployment = findObject(synth(staging), 'Deployment', 'tuist-tuist-processor');
  const pod = deployment.spec.template.spec;

  test('reads the in-cluster URL, because Linux pods are on the pod network', () => {
    expect(containerEnv(deployment).DATABASE_URL).toEqual({ secretKeyRef: { name: 'tuist-tuist-processor-external-secrets', key: 'processor-database-url' } });
    expect(Object.keys(containerEnv(deployment)).filter((k) => k.startsWith('TAILSCALE_'))).toEqual([]);
  });

  test('runs as non-root on a read-only root filesystem with every capability dropped', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('is not scheduled onto the Mac minis', () => {
    const anyNode = findObject(synth(variant(staging, (d) => { d.processor.scheduling.nodeSelector = {}; })), 'Deployment', deployment.metadata.name);
    expect(anyNode.spec.template.spec.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
  });

  test('starts the release, lets jobs in flight finish and gets a sized /tmp', () => {
    expect(pod.containers[0].command).toEqual([...PROCESSOR_COMMAND]);
    expect(pod.terminationGracePeriodSeconds).toBe(staging.processor.terminationGracePeriodSeconds);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: staging.processor.tmpSizeLimit } }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('rolls and spreads as configured, on the configured node pool', () => {
    const env = variant(production, (d) => {
      d.processor.rollout = { maxSurge: 1, maxUnavailable: 0 };
      d.processor.scheduling = { nodeSelector: { 'node.cluster.x-k8s.io/pool': 'processor' }, hostnameSpread: 'DoNotSchedule' };
    });
    const d = findObject(synth(env), 'Deployment', deployment.metadata.name);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(d.spec.template.spec.nodeSelector).toEqual({ 'node.cluster.x-k8s.io/pool': 'processor' });
    expect(d.spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: d.spec.selector.matchLabels },
    }]);
  });
});
