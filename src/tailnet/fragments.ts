/**
 * The fragments a tailnet's policy is composed of: a small shared base, and one fragment per
 * environment holding that environment's tag owners, grants, SSH rules and the tests that
 * prove them. Each environment's rules are written down once, as its intended access; the
 * grants, SSH rules and tests are all derived from that.
 */
import { METRICS_PORT, POOLER_SERVICE_PORT } from '../config/names';
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';
import {
  BASE_OWNER, type Grant, type PolicyFragment, type PolicyTest, type SshRule, type SshTest, emptyDocument,
} from './policy';
import { PROTOCOLS, parsePortSpec, testTarget } from './syntax';

export const SSH_PORT = 22;
/** The only account anything may log in to the VMs as over Tailscale SSH. */
export const VM_SSH_USER = 'admin';
export const ROOT_USER = 'root';

/** The base: the people groups and the deployer's tag, shared by every environment on the tailnet. */
export function basePolicyFragment(tailnet: TailnetConfig, environments: readonly EnvironmentConfig[]): PolicyFragment {
  const fragment: PolicyFragment = { owner: BASE_OWNER, tags: [], ...emptyDocument() };
  fragment.groups[tailnet.admins.group] = [...tailnet.admins.members];
  fragment.groups[tailnet.operations.group] = [...tailnet.operations.members];
  // The deployer's tag exists while some environment here has its stack mint its VM credential (every one does).
  if (environments.some((env) => env.tailnet.tailnet === tailnet.name)) {
    fragment.tags.push(tailnet.deployerTag);
    fragment.tagOwners[tailnet.deployerTag] = [tailnet.admins.group];
  }
  return fragment;
}

/** Who owns an environment's VM tag: the admins, and whoever mints the VMs' credential. */
export function vmTagOwners(_env: EnvironmentConfig, tailnet: TailnetConfig): string[] {
  return [tailnet.admins.group, tailnet.deployerTag];
}

/** Ports the VMs may reach on the cluster tag: the pooler (when exposed) and any declared extras. */
export function clusterPortSpecs(env: EnvironmentConfig): string[] {
  const pooler = env.pooler.tailnetExposure.enabled ? [`tcp:${POOLER_SERVICE_PORT}`] : [];
  return [...pooler, ...env.policy.extraClusterPorts];
}

/** One environment's fragment: only its own tags, plus the base's groups and tags. */
export function environmentPolicyFragment(env: EnvironmentConfig, tailnet: TailnetConfig): PolicyFragment {
  const { operatorTag, clusterTag, vmTag } = env.tailnet;
  const admins = tailnet.admins.group;
  const operations = tailnet.operations.group;

  const grants: Grant[] = [];
  const clusterPorts = clusterPortSpecs(env);
  if (clusterPorts.length > 0) grants.push({ src: [vmTag], dst: [clusterTag], ip: clusterPorts });
  grants.push({ src: [clusterTag], dst: [vmTag], ip: [`tcp:${SSH_PORT}`, `tcp:${METRICS_PORT}`] });
  grants.push({ src: [operations], dst: [vmTag], ip: [`tcp:${SSH_PORT}`] });

  // Tag sources cannot use `check`; people re-authenticate (`check`) before they get a shell.
  const ssh: SshRule[] = [
    { action: 'accept', src: [clusterTag], dst: [vmTag], users: [VM_SSH_USER] },
    { action: 'check', src: [operations], dst: [vmTag], users: [VM_SSH_USER] },
  ];

  // Everything on this environment's side of the tailnet, tested against every rule above.
  const principals = [operatorTag, clusterTag, vmTag, operations];
  return {
    owner: env.name,
    tags: [operatorTag, clusterTag, vmTag],
    groups: {},
    tagOwners: {
      [operatorTag]: [admins],
      // The operator mints the pooler proxy (and subnet router) with the cluster tag.
      [clusterTag]: [operatorTag],
      [vmTag]: vmTagOwners(env, tailnet),
    },
    grants,
    ssh,
    tests: networkTests(principals, grants),
    sshTests: sshTests(principals, ssh),
  };
}

/** The ports a test probes for a port spec: the port, or both ends of a range. */
function probePorts(spec: string): { proto: string; port: number }[] {
  const parsed = parsePortSpec(spec);
  if (!parsed.ok) return [];
  return parsed.value.flatMap((r) => [...new Set([r.from, r.to])].map((port) => ({ proto: r.proto, port })));
}

/**
 * For every principal and protocol, one test: every destination port the grants open to it
 * is accepted, and every other port they open to anyone is denied to it.
 */
export function networkTests(principals: readonly string[], grants: readonly Grant[]): PolicyTest[] {
  const probes = grants.flatMap((grant) => grant.dst.flatMap((dst) => grant.ip.flatMap(probePorts).map((p) => ({ ...p, dst, grant }))));
  const tests: PolicyTest[] = [];
  for (const src of principals) {
    for (const proto of PROTOCOLS) {
      const accept = new Set<string>();
      const deny = new Set<string>();
      for (const probe of probes.filter((p) => p.proto === proto)) {
        const target = testTarget(probe.dst, probe.port);
        (probe.grant.src.includes(src) ? accept : deny).add(target);
      }
      for (const target of accept) deny.delete(target);
      if (accept.size + deny.size > 0) tests.push(withLists({ src, proto }, { accept: [...accept], deny: [...deny] }));
    }
  }
  return tests;
}

/** For every principal, one SSH test per destination: its users (root always denied), by action. */
export function sshTests(principals: readonly string[], rules: readonly SshRule[]): SshTest[] {
  const users = [...new Set([...rules.flatMap((r) => r.users), ROOT_USER])];
  const destinations = [...new Set(rules.flatMap((r) => r.dst))];
  return principals.flatMap((src) => destinations.map((dst) => {
    const action = (user: string): string => rules.find((r) => r.src.includes(src) && r.dst.includes(dst) && r.users.includes(user))?.action ?? 'deny';
    return withLists({ src, dst: [dst] }, {
      accept: users.filter((u) => action(u) === 'accept'),
      check: users.filter((u) => action(u) === 'check'),
      deny: users.filter((u) => action(u) === 'deny'),
    });
  }));
}

/** Adds the non-empty lists only, so a fragment carries no empty or undefined fields. */
export function withLists<T extends object>(base: T, lists: Record<string, string[]>): T {
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, values] of Object.entries(lists)) if (values.length > 0) result[key] = values;
  return result as T;
}
