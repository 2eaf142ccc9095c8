/**
 * Linux-only pod rules (non-root, read-only root filesystem, dropped capabilities). A pod on
 * another OS (a Tart VM is macOS) cannot meet them and must say so: one kube-linter style
 * `ignore-check.kube-linter.io/<rule>: <reason>` annotation per rule, each with a reason.
 */
import type { Problem } from '../environment-check';
import { environmentCheck, fromProblems } from '../environment-check';
import { type Container, type PodSpec, describeObject } from '../manifest/objects';
import { containerSites, podOs } from './workload-rule';

export const EXEMPTION_PREFIX = 'ignore-check.kube-linter.io/';

/** The rules, keyed by the name an exemption annotation uses (kube-linter's where it has one). */
export const LINUX_POD_RULES: Readonly<Record<string, { readonly what: string; readonly holds: (pod: PodSpec, container: Container) => boolean }>> = {
  'run-as-non-root': {
    what: 'runs as non-root (runAsNonRoot: true or a non-zero runAsUser)',
    holds: (pod, container) => {
      const user = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      const nonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      return user !== 0 && (nonRoot === true || (user !== undefined && user > 0));
    },
  },
  'no-read-only-root-fs': {
    what: 'has a read-only root filesystem',
    holds: (_pod, container) => container.securityContext?.readOnlyRootFilesystem === true,
  },
  'drop-capabilities': {
    what: 'drops all capabilities',
    holds: (_pod, container) => (container.securityContext?.capabilities?.drop ?? []).some((c) => c.toUpperCase() === 'ALL'),
  },
};

export const linuxHardening = environmentCheck(
  'policy.linux-hardening',
  'Linux containers run non-root, read-only, without capabilities; other pods carry an exemption per rule',
  ({ objects }) => {
    const problems: Problem[] = [];
    for (const { workload, container, where } of containerSites(objects)) {
      const os = podOs(workload.pod);
      const annotations = workload.object.metadata.annotations ?? {};
      for (const [rule, { what, holds }] of Object.entries(LINUX_POD_RULES)) {
        if (holds(workload.pod, container)) continue;
        if (os === 'linux') {
          problems.push({
            message: `${where}: does not satisfy "${rule}" (it must be a container that ${what}); exemptions apply to non-Linux pods only.`,
            fix: 'Set the container\'s securityContext (see src/k8s/linux-processor.ts).',
          });
        } else if (!(`${EXEMPTION_PREFIX}${rule}` in annotations)) {
          problems.push({
            message: `${where}: a ${os} pod cannot satisfy the Linux rule "${rule}", and ${describeObject(workload.object)} has no annotation ${EXEMPTION_PREFIX}${rule} saying why.`,
            fix: `Annotate the workload with ${EXEMPTION_PREFIX}${rule}: <reason> (TART_POLICY_EXEMPTIONS in src/k8s/xcresult-processor.ts).`,
          });
        }
      }
    }
    return fromProblems(problems, 'Linux containers are hardened; every non-Linux pod declares its exemptions.');
  },
);

export const exemptionReasons = environmentCheck(
  'policy.exemption-reasons',
  'Every policy exemption gives a reason',
  ({ objects }) => fromProblems(objects.flatMap((object) => Object.entries(object.metadata.annotations ?? {})
    .filter(([key, reason]) => key.startsWith(EXEMPTION_PREFIX) && reason.trim() === '')
    .map(([key]) => ({
      message: `${describeObject(object)}, metadata.annotations["${key}"]: an exemption without a reason.`,
      fix: 'Say in the annotation\'s value why the rule does not apply.',
    }))), 'Every exemption says why.'),
);
