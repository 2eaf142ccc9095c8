// The generated Kubernetes API alone: the rest of cdk8s-plus (its L2 constructs) is unused and costs load time.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { COMPONENTS, DATABASE_URL_KEYS, METRICS_PORT, componentLabels, imageReference, objectNames, selectorLabels } from '../config/names';
import { ENV_VARS } from '../config/env-vars';
import type { EnvironmentConfig } from '../config/types';
import { type ProcessorDisruptionBudget, disruptionBudgetFor } from './pod-disruption-budget';
import type { ProcessorSecrets } from './processor-secrets';
import { runtimeEnvFrom, runtimeEnvVars } from './runtime-env';
import { literalEnv, prometheusScrapeAnnotations, resourceRequirements, secretEnv } from './workload';

export interface LinuxProcessorProps {
  readonly environment: EnvironmentConfig;
  /** Source of `DATABASE_URL` (its in-cluster key: Linux pods are on the pod network). */
  readonly secrets: ProcessorSecrets;
}

/** UID the processor image runs as (non-root, no entry in /etc/passwd needed). */
const RUN_AS_USER = 10001;

/** The release's start command in the server image (the chart's processor Deployment @10c50dcf). */
export const PROCESSOR_COMMAND: readonly string[] = ['/app/bin/tuist', 'start'];

/** The Linux queue consumer: on the pod network, so it dials the pooler's ClusterIP Service. */
export class LinuxProcessor extends Construct {
  readonly name: string;
  readonly resource: k8s.KubeDeployment;
  readonly disruptionBudget: ProcessorDisruptionBudget | undefined;

  constructor(scope: Construct, id: string, props: LinuxProcessorProps) {
    super(scope, id);
    const env = props.environment;
    const config = env.processor;
    this.name = objectNames(env).processorDeployment;
    const selector = selectorLabels(env, COMPONENTS.processor);
    const labels = componentLabels(env, COMPONENTS.processor);
    const runtime = runtimeEnvVars(env, config.runtime, 'cluster');

    this.resource = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name, labels },
      spec: {
        replicas: config.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(config.rollout.maxSurge), maxUnavailable: k8s.IntOrString.fromNumber(config.rollout.maxUnavailable) },
        },
        template: {
          metadata: { labels, annotations: prometheusScrapeAnnotations(METRICS_PORT) },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: config.terminationGracePeriodSeconds,
            ...(Object.keys(config.scheduling.nodeSelector).length > 0 && { nodeSelector: { ...config.scheduling.nodeSelector } }),
            topologySpreadConstraints: [{
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: config.scheduling.hostnameSpread,
              labelSelector: { matchLabels: selector },
            }],
            securityContext: {
              runAsNonRoot: true,
              runAsUser: RUN_AS_USER,
              runAsGroup: RUN_AS_USER,
              fsGroup: RUN_AS_USER,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name: COMPONENTS.processor,
              image: imageReference(config.image),
              command: [...PROCESSOR_COMMAND],
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              env: [
                runtime.mode,
                ...(runtime.groups.queue ?? []),
                secretEnv(ENV_VARS.databaseUrl, props.secrets.secretName, DATABASE_URL_KEYS.cluster),
                literalEnv(ENV_VARS.databasePooled, '1'),
                ...(runtime.groups.database ?? []),
                ...(runtime.groups.licenseAndKeys ?? []),
                ...(runtime.groups.objectStorage ?? []),
                ...(runtime.groups.telemetry ?? []),
              ],
              ...(config.runtime.envFrom.length > 0 && { envFrom: runtimeEnvFrom(env, config.runtime) }),
              resources: resourceRequirements(config.resources),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(config.tmpSizeLimit) } }],
          },
        },
      },
    });

    this.disruptionBudget = disruptionBudgetFor(this, config.podDisruptionBudget, { name: this.name, labels, selector });
  }
}
