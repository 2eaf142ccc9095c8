/**
 * Validation of an environment's `policy` block: the ports of its machine paths. Called by
 * validateEnvironment (src/config/validate.ts); kept here, beside the tailnet's own config.
 */
import { POOLER_SERVICE_PORT } from './cnpg';
import type { EnvironmentConfig, PolicyPort } from './types';

export interface PolicyPortProblem {
  readonly path: string;
  readonly message: string;
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

export function policyPortProblems(env: EnvironmentConfig): PolicyPortProblem[] {
  const problems: PolicyPortProblem[] = [];
  for (const list of ['vmToCluster', 'clusterToVm'] as const) {
    const seen = new Map<string, number>();
    (env.policy[list] as readonly PolicyPort[]).forEach((entry, i) => {
      const path = `policy.${list}[${i}]`;
      if (entry.proto !== 'tcp' && entry.proto !== 'udp') problems.push({ path: `${path}.proto`, message: `${show(entry.proto)} is not "tcp" or "udp".` });
      if (!Number.isInteger(entry.port) || entry.port < 1 || entry.port > 65535) {
        problems.push({ path: `${path}.port`, message: `${show(entry.port)} is not one port from 1 to 65535; each entry opens exactly one port (no ranges, no wildcards).` });
      }
      if (typeof entry.purpose !== 'string' || entry.purpose.trim() === '') {
        problems.push({ path: `${path}.purpose`, message: 'is empty; say what listens on the port, so a reviewer can tell why it is open.' });
      }
      const key = `${entry.proto}:${entry.port}`;
      const first = seen.get(key);
      if (first !== undefined) problems.push({ path, message: `${key} is already listed at policy.${list}[${first}]. Fix: list each port once.` });
      else seen.set(key, i);
      if (list === 'vmToCluster' && entry.proto === 'tcp' && entry.port === POOLER_SERVICE_PORT) {
        problems.push({ path, message: `tcp:${POOLER_SERVICE_PORT} is the pooler's port, which the VMs reach on the pooler proxy's own tag (pooler.tailnetExposure.tags), never on the cluster tag. Fix: remove it here.` });
      }
    });
  }
  return problems;
}
