// The generated Kubernetes API alone: the rest of cdk8s-plus (its L2 constructs) is unused and costs load time.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { COMPONENTS, DATABASE_URL_KEYS, METRICS_PORT, OBJECT_NAMES, componentLabels, imageReference, selectorLabels } from '../config/names';
import type { EnvironmentConfig } from '../config/types';
import { type ProcessorDisruptionBudget, disruptionBudgetFor } from './pod-disruption-budget';
import type { ProcessorSecrets } from './processor-secrets';
import { fieldEnv, literalEnv, prometheusScrapeAnnotations, resourceRequirements, secretEnv } from './workload';

export interface LinuxProcessorProps {
  readonly environment: EnvironmentConfig;
  /** Source of `DATABASE_URL` (its in-cluster key: Linux pods are on the pod network). */
  readonly secrets: ProcessorSecrets;
}

/** UID the processor image runs as (non-root, no entry in /etc/passwd needed). */
const RUN_AS_USER = 10001;

/** The Linux queue consumer: on the pod network, so it dials the pooler's ClusterIP Service. */
export class LinuxProcessor extends Construct {
  readonly name = OBJECT_NAMES.processorDeployment;
  readonly resource: k8s.KubeDeployment;
  readonly disruptionBudget: ProcessorDisruptionBudget | undefined;

  constructor(scope: Construct, id: string, props: LinuxProcessorProps) {
    super(scope, id);
    const env = props.environment;
    const config = env.processor;
    const selector = selectorLabels(env, COMPONENTS.processor);
    const labels = componentLabels(env, COMPONENTS.processor);

    this.resource = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name, labels },
      spec: {
        replicas: config.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: prometheusScrapeAnnotations(METRICS_PORT) },
          spec: {
            automountServiceAccountToken: false,
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
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              env: [
                literalEnv('TUIST_MODE', 'processor'),
                literalEnv('TUIST_DATABASE_POOLED', '1'),
                fieldEnv('POD_NAME', 'metadata.name'),
                secretEnv('DATABASE_URL', props.secrets.secretName, DATABASE_URL_KEYS.cluster),
              ],
              resources: resourceRequirements(config.resources),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });

    this.disruptionBudget = disruptionBudgetFor(this, config.podDisruptionBudget, { name: this.name, labels, selector });
  }
}
