/**
 * The fragments our code contributes to a tailnet's policy: a small shared base, and one
 * fragment per environment holding that environment's tag owners, grants, SSH rules and the
 * tests that prove them. Each environment's machine paths are written down once, in its
 * configuration (`policy`, `pooler.tailnetExposure`); the grants, SSH rules and tests are all
 * derived from that. Everything else in the tailnet's policy is people-owned (compose.ts).
 */
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';
import { VM_DIAGNOSTICS_USER } from '../config/vm';
import { type GrantedPort, grantedPorts, poolerProxyTags } from './paths';
import {
  BASE_OWNER, type Grant, type PolicyFragment, type PolicyTest, type SshRule, type SshTest, emptyDocument,
} from './policy';
import { PROTOCOLS, parsePortSpec, testTarget } from './syntax';

export const SSH_PORT = 22;
/** The only account the cluster may log in to the VMs as over Tailscale SSH (no sudo). */
export const VM_SSH_USER = VM_DIAGNOSTICS_USER;
export const ROOT_USER = 'root';

/**
 * The base: the deployer's tag, shared by every environment on the tailnet. People's entries
 * (groups, their grants, capability grants…) are people-owned, not here.
 */
export function basePolicyFragment(tailnet: TailnetConfig, environments: readonly EnvironmentConfig[]): PolicyFragment {
  const fragment: PolicyFragment = { owner: BASE_OWNER, tags: [], ...emptyDocument() };
  // The deployer's tag exists while some environment here has its stack mint its VM credential (every one does).
  if (environments.some((env) => env.tailnet.tailnet === tailnet.name)) {
    fragment.tags.push(tailnet.deployerTag);
    fragment.tagOwners[tailnet.deployerTag] = [...tailnet.tagAdmins];
  }
  return fragment;
}

/** Who owns an environment's VM tag: the tag admins, and whoever mints the VMs' credential. */
export function vmTagOwners(_env: EnvironmentConfig, tailnet: TailnetConfig): string[] {
  return [...tailnet.tagAdmins, tailnet.deployerTag];
}

/** Every tag an environment's fragment owns: operator, cluster, VMs, the pooler proxy. */
export function environmentTags(env: EnvironmentConfig): string[] {
  const { operatorTag, clusterTag, vmTag } = env.tailnet;
  return [...new Set([operatorTag, clusterTag, vmTag, ...poolerProxyTags(env)])];
}

/** One grant per source and destination set, its ports in configuration order. */
function grantsOf(ports: readonly GrantedPort[]): Grant[] {
  const grants = new Map<string, Grant>();
  for (const p of ports) {
    const key = JSON.stringify([p.src, p.dst]);
    const grant = grants.get(key) ?? { src: [p.src], dst: [...p.dst], ip: [] };
    grant.ip!.push(`${p.proto}:${p.port}`);
    grants.set(key, grant);
  }
  return [...grants.values()];
}

/**
 * One environment's fragment: the machine paths of its configuration between its own tags,
 * and nothing a person owns (ops SSH, kubectl capability grants and autogroup rules are
 * people-owned). Each tag is owned as the real tailnet owns it: the operator and VM tags by
 * the tag admins (plus the deployer where Pulumi mints the VM credential), the pooler proxy's
 * tags by the operator's tag (the operator mints the proxy).
 */
export function environmentPolicyFragment(env: EnvironmentConfig, tailnet: TailnetConfig): PolicyFragment {
  const { operatorTag, clusterTag, vmTag } = env.tailnet;
  const poolerTags = poolerProxyTags(env);
  const tagOwners: Record<string, string[]> = {};
  tagOwners[operatorTag] = [...tailnet.tagAdmins];
  // A cluster tag apart from the operator's is minted by the operator onto its proxies.
  if (clusterTag !== operatorTag) tagOwners[clusterTag] = [...tailnet.tagAdmins, operatorTag];
  tagOwners[vmTag] = vmTagOwners(env, tailnet);
  for (const tag of poolerTags) tagOwners[tag] = [operatorTag];

  const grants = grantsOf(grantedPorts(env));
  // Tag sources cannot use `check`: nobody is there to re-authenticate.
  const ssh: SshRule[] = [{ action: 'accept', src: [clusterTag], dst: [vmTag], users: [VM_SSH_USER] }];

  // Everything on this environment's side of the tailnet, tested against every rule above;
  // the pooler proxy is an SSH destination too, so its tests prove it has no SSH.
  const principals = environmentTags(env);
  return {
    owner: env.name,
    tags: environmentTags(env),
    groups: {},
    tagOwners,
    grants,
    ssh,
    tests: networkTests(principals, grants),
    sshTests: sshTests(principals, ssh, poolerTags),
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
  const probes = grants.flatMap((grant) => grant.dst.flatMap((dst) => (grant.ip ?? []).flatMap(probePorts).map((p) => ({ ...p, dst, grant }))));
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

/**
 * For every principal, one SSH test per destination (those the rules name, plus `noSsh`, which
 * no rule may let in): its users (root always denied), by action.
 */
export function sshTests(principals: readonly string[], rules: readonly SshRule[], noSsh: readonly string[] = []): SshTest[] {
  const users = [...new Set([...rules.flatMap((r) => r.users), ROOT_USER])];
  const destinations = [...new Set([...rules.flatMap((r) => r.dst), ...noSsh])];
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
