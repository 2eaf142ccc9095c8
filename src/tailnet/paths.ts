/**
 * The machine paths of an environment on its tailnet, from its typed configuration: which tags
 * dial which tags on which ports, and why. The policy fragment's grants are built from these,
 * and other layers read them (e.g. to prove that every endpoint a VM dials is granted).
 */
import { POOLER_SERVICE_PORT } from '../config/cnpg';
import type { EnvironmentConfig, PolicyPort } from '../config/types';

/** One port a source tag may open on one or more destination tags. */
export interface GrantedPort extends PolicyPort {
  readonly src: string;
  /** The destination tags (all the tags of one kind of node, e.g. the pooler proxy's tags). */
  readonly dst: readonly string[];
}

/** The pooler proxy's tags, or none when the pooler is not exposed on the tailnet. */
export function poolerProxyTags(env: EnvironmentConfig): readonly string[] {
  return env.pooler.tailnetExposure.enabled ? env.pooler.tailnetExposure.tags : [];
}

/**
 * Every port the environment's VMs may dial, with its destination tags: the pooler on the
 * proxy's own tags (when exposed), and `policy.vmToCluster` on the cluster tag.
 */
export function vmEgressPorts(env: EnvironmentConfig): GrantedPort[] {
  const { vmTag, clusterTag } = env.tailnet;
  const pooler = poolerProxyTags(env);
  return [
    ...(pooler.length > 0 ? [{ src: vmTag, dst: pooler, proto: 'tcp' as const, port: POOLER_SERVICE_PORT, purpose: 'PgBouncer (the pooler proxy)' }] : []),
    ...env.policy.vmToCluster.map((p) => ({ ...p, src: vmTag, dst: [clusterTag] })),
  ];
}

/** Every port the cluster may dial on the environment's Mac mini hosts and VMs. */
export function clusterEgressPorts(env: EnvironmentConfig): GrantedPort[] {
  return env.policy.clusterToVm.map((p) => ({ ...p, src: env.tailnet.clusterTag, dst: [env.tailnet.vmTag] }));
}

/** All of the environment's machine paths. */
export function grantedPorts(env: EnvironmentConfig): GrantedPort[] {
  return [...vmEgressPorts(env), ...clusterEgressPorts(env)];
}
