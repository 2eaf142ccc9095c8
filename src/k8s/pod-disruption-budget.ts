// The generated Kubernetes API alone: the rest of cdk8s-plus (its L2 constructs) is unused and costs load time.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import type { PodDisruptionBudgetConfig } from '../config/types';

export interface ProcessorDisruptionBudgetProps {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** Labels of the pods it protects: the Deployment's selector. */
  readonly selector: Record<string, string>;
  readonly minAvailable: number;
}

/** A PodDisruptionBudget that keeps at least `minAvailable` pods through voluntary evictions (drains), as the Helm chart does. */
export class ProcessorDisruptionBudget extends Construct {
  readonly resource: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: ProcessorDisruptionBudgetProps) {
    super(scope, id);
    this.resource = new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        minAvailable: k8s.IntOrString.fromNumber(props.minAvailable),
        selector: { matchLabels: props.selector },
      },
    });
  }
}

/** The budget a processor's configuration asks for, or undefined when it asks for none. */
export function disruptionBudgetFor(
  scope: Construct,
  config: PodDisruptionBudgetConfig,
  props: Omit<ProcessorDisruptionBudgetProps, 'minAvailable'>,
): ProcessorDisruptionBudget | undefined {
  return config.enabled ? new ProcessorDisruptionBudget(scope, 'DisruptionBudget', { ...props, minAvailable: config.minAvailable }) : undefined;
}
