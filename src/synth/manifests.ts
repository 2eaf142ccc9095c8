import { App } from 'cdk8s';
import type { EnvironmentConfig } from '../config/types';
import { EnvironmentChart } from '../k8s/environment-chart';

/** A rendered Kubernetes object, as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** One environment's synthesized objects, with the chart they came from. */
export interface EnvironmentManifests {
  readonly environment: EnvironmentConfig;
  readonly chart: EnvironmentChart;
  readonly objects: readonly KubeObject[];
}

/**
 * Synthesizes one environment in memory. Pure: no disk, clock, randomness or environment
 * variables, so the same config always yields the same objects. `dist/`, the snapshots,
 * the checks and the Pulumi program all consume this.
 */
export function synthesizeEnvironment(environment: EnvironmentConfig): EnvironmentManifests {
  const app = new App();
  const chart = new EnvironmentChart(app, environment.name, { environment });
  const objects = chart.toJson() as KubeObject[];
  return { environment, chart, objects };
}

/** `Kind/namespace/name`: how objects are keyed in reports and diffs. */
export function objectKey(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ?? '-'}/${object.metadata.name}`;
}
