import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { COMPONENTS, METRICS_PORT, OBJECT_NAMES, componentLabels, imageReference, selectorLabels } from '../config/names';
import type { EnvironmentConfig } from '../config/types';
import { poolerProxyTags } from '../tailnet/paths';
import { type ProcessorDisruptionBudget, disruptionBudgetFor } from './pod-disruption-budget';
import type { ProcessorSecrets } from './processor-secrets';
import type { VmCredential } from './vm-credential';
import { fieldEnv, literalEnv, prometheusScrapeAnnotations, resourceRequirements, secretEnv } from './workload';

export interface XcresultProcessorProps {
  readonly environment: EnvironmentConfig;
  /** Source of `DATABASE_URL`, read from the environment's `databaseUrlSecretKey`. */
  readonly secrets: ProcessorSecrets;
  /** The credential the VM joins the tailnet with (used when `tailnetJoin` is on). */
  readonly credential: VmCredential;
}

/** A VM boot (image pull + macOS boot + tailnet join) outlasts Kubernetes' default 600 s. */
export const XCRESULT_PROGRESS_DEADLINE_SECONDS = 1800;

/** Node labels and taint of the Mac minis tart-kubelet registers. */
export const TART_NODE = {
  os: { key: 'kubernetes.io/os', value: 'darwin' },
  runtime: { key: 'tuist.dev/runtime', value: 'tart' },
  fleetKey: 'tuist.dev/fleet',
  taintKey: 'tuist.dev/macos',
} as const;

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
  readonly name = OBJECT_NAMES.xcresultProcessorDeployment;
  readonly resource: k8s.KubeDeployment;
  readonly disruptionBudget: ProcessorDisruptionBudget | undefined;

  constructor(scope: Construct, id: string, props: XcresultProcessorProps) {
    super(scope, id);
    const env = props.environment;
    const config = env.xcresultProcessor;
    const selector = selectorLabels(env, COMPONENTS.xcresultProcessor);
    const labels = componentLabels(env, COMPONENTS.xcresultProcessor);

    const tailnetEnv: k8s.EnvVar[] = !config.tailnetJoin ? [] : [
      secretEnv('TAILSCALE_AUTH_KEY', props.credential.secretName, props.credential.key),
      // Each roll boots a new VM, which registers as a new device named after its Pod.
      fieldEnv('TAILSCALE_HOSTNAME', 'metadata.name'),
      // The VM pins only the peers it needs into /etc/hosts: this environment's proxies (the
      // pooler's carries its own tags, the others the cluster tag).
      literalEnv('TAILSCALE_PEER_TAGS', [...new Set([...poolerProxyTags(env), env.tailnet.clusterTag])].join(',')),
      // An OAuth client mints the node's key itself and must say which tags it asks for.
      ...(props.credential.kind === 'oauth-client' ? [literalEnv('TAILSCALE_TAGS', env.tailnet.vmTag)] : []),
    ];

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
          metadata: { labels, annotations: prometheusScrapeAnnotations(METRICS_PORT) },
          spec: {
            nodeSelector: {
              [TART_NODE.os.key]: TART_NODE.os.value,
              [TART_NODE.runtime.key]: TART_NODE.runtime.value,
              [TART_NODE.fleetKey]: config.fleet,
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
                literalEnv('TUIST_MODE', 'xcresult_processor'),
                literalEnv('TUIST_DATABASE_POOLED', '1'),
                fieldEnv('POD_NAME', 'metadata.name'),
                secretEnv('DATABASE_URL', props.secrets.secretName, config.databaseUrlSecretKey),
                ...tailnetEnv,
              ],
              resources: resourceRequirements(config.resources),
            }],
          },
        },
      },
    });

    this.disruptionBudget = disruptionBudgetFor(this, config.podDisruptionBudget, { name: this.name, labels, selector });
  }
}
