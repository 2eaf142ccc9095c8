import { containerEnv, findObject, staging, synth } from '../fixtures';

describe('LinuxProcessor', () => {
  const deployment = findObject(synth(staging), 'Deployment', 'tuist-processor');
  const pod = deployment.spec.template.spec;

  test('reads the in-cluster URL, because Linux pods are on the pod network', () => {
    expect(containerEnv(deployment).DATABASE_URL).toEqual({ secretKeyRef: { name: 'tuist-processor-database', key: 'processor-database-url' } });
    expect(Object.keys(containerEnv(deployment)).filter((k) => k.startsWith('TAILSCALE_'))).toEqual([]);
  });

  test('runs as non-root on a read-only root filesystem with every capability dropped', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('is not scheduled onto the Mac minis', () => {
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
  });
});
