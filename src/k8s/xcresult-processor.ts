// The generated Kubernetes API alone: the rest of cdk8s-plus (its L2 constructs) is unused and costs load time.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { COMPONENTS, METRICS_PORT, componentLabels, imageReference, objectNames, selectorLabels, vmPeerTags } from '../config/names';
import { ENV_VARS } from '../config/env-vars';
import { pinHostsValue } from '../config/vm';
import { TART_NODE } from '../config/names';
import type { EnvironmentConfig } from '../config/types';
import { type ProcessorDisruptionBudget, disruptionBudgetFor } from './pod-disruption-budget';
import type { ProcessorSecrets } from './processor-secrets';
import type { VmCredential } from './vm-credential';
import { runtimeEnvFrom, runtimeEnvVars } from './runtime-env';
import { fieldEnv, literalEnv, resourceRequirements, secretEnv } from './workload';

export interface XcresultProcessorProps {
  readonly environment: EnvironmentConfig;
  /** Source of `DATABASE_URL`, read from the environment's `databaseUrlSecretKey`. */
  readonly secrets: ProcessorSecrets;
  /** The credential the VM joins the tailnet with (used when `tailnetJoin` is on). */
  readonly credential: VmCredential;
}

/** A VM boot (image pull + macOS boot + tailnet join) outlasts Kubernetes' default 600 s. */
export const XCRESULT_PROGRESS_DEADLINE_SECONDS = 1800;


/**
 * Why the Linux-only pod rules do not apply to a Tart pod, as kube-linter style
 * `ignore-check.kube-linter.io/<check>` annotations (checks refuse an exemption without a reason).
 */
export const TART_POLICY_EXEMPTIONS: Readonly<Record<string, string>> = {
  'run-as-non-root': 'Tart VM: tart-kubelet boots a macOS VM from the image; a Linux securityContext has no effect inside it.',
  'no-read-only-root-fs': 'Tart VM: the macOS guest needs a writable disk (tailscaled state, /etc/hosts pinning).',
  'drop-capabilities': 'Tart VM: there are no Linux capabilities in a macOS guest.',
};

/**
 * The xcresult processor, one Pod = one Tart VM on a Mac mini (scheduled by tart-kubelet).
 * hostPort 9091 plus a hostname spread keep at most one VM per host, and the rollout never
 * surges, because there is no spare host for a surge VM.
 */
export class XcresultProcessor extends Construct {
  readonly name: string;
  readonly resource: k8s.KubeDeployment;
  readonly disruptionBudget: ProcessorDisruptionBudget | undefined;

  constructor(scope: Construct, id: string, props: XcresultProcessorProps) {
    super(scope, id);
    const env = props.environment;
    const config = env.xcresultProcessor;
    const names = objectNames(env);
    this.name = names.xcresultProcessorDeployment;
    const selector = selectorLabels(env, COMPONENTS.xcresultProcessor);
    const labels = componentLabels(env, COMPONENTS.xcresultProcessor);

    const tailnetEnv: k8s.EnvVar[] = !config.tailnetJoin ? [] : [
      secretEnv(ENV_VARS.tailscaleAuthKey, props.credential.secretName, props.credential.key),
      // Always set: an OAuth client must say which tags it mints, and a tagged key must match them.
      literalEnv(ENV_VARS.tailscaleTags, env.tailnet.vmTag),
      // Each roll boots a new VM, which registers as a new device named after its Pod.
      fieldEnv(ENV_VARS.tailscaleHostname, 'metadata.name'),
      // The VM pins only the peers it dials into /etc/hosts: this environment's proxies.
      literalEnv(ENV_VARS.tailscalePeerTags, vmPeerTags(env).join(',')),
      // The pooler's name is pinned only from the peer holding it that carries the proxy's tag,
      // so a look-alike peer never gets it (vm/tailscale-up.sh, "Pinning").
      ...(env.pooler.tailnetExposure.enabled
        ? [literalEnv(ENV_VARS.tailscalePinHosts, pinHostsValue([{ hostname: env.pooler.tailnetExposure.hostname, tag: env.pooler.tailnetExposure.tags[0]! }]))]
        : []),
    ];
    const runtime = runtimeEnvVars(env, config.runtime, 'tailnet');

    this.resource = new k8s.KubeDeployment(this, 'Resource', {
      metadata: {
        name: this.name,
        labels,
        annotations: Object.fromEntries(Object.entries(TART_POLICY_EXEMPTIONS).map(([check, reason]) => [`ignore-check.kube-linter.io/${check}`, reason])),
      },
      spec: {
        replicas: config.replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: XCRESULT_PROGRESS_DEADLINE_SECONDS,
        selector: { matchLabels: selector },
        strategy: config.rollout === 'recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          // No scrape annotations: the Pod IP is the guest's vmnet address, unreachable from the
          // cluster. Prometheus scrapes the host's tart-kubelet forwarder (docs/metrics.md). The
          // credential's generation rolls the VMs onto a replaced credential (docs/vm-credentials.md).
          metadata: { labels, annotations: { ...(config.tailnetJoin ? props.credential.podAnnotations : {}) } },
          spec: {
            terminationGracePeriodSeconds: config.terminationGracePeriodSeconds,
            nodeSelector: {
              [TART_NODE.os.key]: TART_NODE.os.value,
              [TART_NODE.runtime.key]: TART_NODE.runtime.value,
              [TART_NODE.fleetKey]: names.fleet,
            },
            tolerations: [{ key: TART_NODE.taintKey, operator: 'Exists', effect: 'NoSchedule' }],
            topologySpreadConstraints: [{
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: selector },
            }],
            // tart-kubelet rejects multi-container Pods: exactly one container.
            containers: [{
              name: COMPONENTS.xcresultProcessor,
              image: imageReference(config.image),
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, hostPort: METRICS_PORT, protocol: 'TCP' }],
              env: [
                runtime.mode,
                ...(runtime.groups.queue ?? []),
                secretEnv(ENV_VARS.databaseUrl, props.secrets.secretName, config.databaseUrlSecretKey),
                literalEnv(ENV_VARS.databasePooled, '1'),
                ...(runtime.groups.database ?? []),
                ...tailnetEnv,
                fieldEnv(ENV_VARS.podName, 'metadata.name'),
                ...(runtime.groups.licenseAndKeys ?? []),
                ...(runtime.groups.objectStorage ?? []),
                ...(runtime.groups.clickhouse ?? []),
                ...(runtime.groups.telemetry ?? []),
              ],
              ...(config.runtime.envFrom.length > 0 && { envFrom: runtimeEnvFrom(env, config.runtime) }),
              resources: resourceRequirements(config.resources),
            }],
          },
        },
      },
    });

    this.disruptionBudget = disruptionBudgetFor(this, config.podDisruptionBudget, { name: this.name, labels, selector });
  }
}
