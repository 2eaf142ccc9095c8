/**
 * A process's configured runtime environment (src/config/types.ts `RuntimeEnvironment`) as
 * container env vars and `envFrom`: literals, Secret keys of the Secrets the cluster provides,
 * the Downward API, and the cluster's receivers at the address of the process's network.
 */
import { k8s } from 'cdk8s-plus-28';
import { ENV_VARS } from '../config/env-vars';
import { clusterSecretName } from '../config/names';
import { RECEIVERS, tailnetReceiver } from '../config/receivers';
import type { EnvGroup, EnvSource, EnvironmentConfig, RuntimeEnvironment } from '../config/types';
import { fieldEnv, literalEnv, secretEnv } from './workload';

/** Which network a process dials from: Linux pods are on the pod network, the VMs on the tailnet only. */
export type ProcessNetwork = 'cluster' | 'tailnet';

/** The group names of a runtime, in the order they are rendered (REFERENCE.md's table order). */
export const RUNTIME_GROUP_ORDER = ['queue', 'database', 'licenseAndKeys', 'objectStorage', 'clickhouse', 'telemetry'] as const;

/** `http://host:port/path` or, for an OCI reference, `host:port/path`. */
export function endpointValue(env: EnvironmentConfig, source: Extract<EnvSource, { kind: 'endpoint' }>, network: ProcessNetwork): string {
  const receiver = RECEIVERS[source.receiver];
  const host = network === 'tailnet' ? tailnetReceiver(env, source.receiver).hostname : receiver.clusterHost;
  // Validation refuses a Linux process pointing at a receiver with no in-cluster address.
  if (host === undefined) throw new Error(`receiver "${source.receiver}" has no in-cluster address (src/config/receivers.ts)`);
  const authority = `${host}:${receiver.port}`;
  return source.scheme === 'oci' ? `${authority}${source.path}` : `${source.scheme}://${authority}${source.path}`;
}

function envVar(env: EnvironmentConfig, name: string, source: EnvSource, network: ProcessNetwork): k8s.EnvVar {
  switch (source.kind) {
    case 'literal': return literalEnv(name, source.value);
    case 'secret':
    case 'secret-endpoint': return secretEnv(name, clusterSecretName(env, source.secret), source.key);
    case 'endpoint': return literalEnv(name, endpointValue(env, source, network));
    case 'pod-field': return fieldEnv(name, source.fieldPath);
  }
}

/** The groups of `runtime` (those it has, in order) as env vars. */
export function runtimeEnvVars(env: EnvironmentConfig, runtime: RuntimeEnvironment, network: ProcessNetwork): { mode: k8s.EnvVar; groups: Record<string, k8s.EnvVar[]> } {
  const groups: Record<string, k8s.EnvVar[]> = {};
  for (const group of RUNTIME_GROUP_ORDER) {
    const entries = (runtime as unknown as Record<string, EnvGroup | undefined>)[group];
    if (entries !== undefined) groups[group] = Object.entries(entries).map(([name, source]) => envVar(env, name, source, network));
  }
  return { mode: literalEnv(ENV_VARS.mode, runtime.mode), groups };
}

export function runtimeEnvFrom(env: EnvironmentConfig, runtime: RuntimeEnvironment): k8s.EnvFromSource[] {
  return runtime.envFrom.map((id) => ({ secretRef: { name: clusterSecretName(env, id) } }));
}
