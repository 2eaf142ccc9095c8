/**
 * The VMs are not on the pod network: everything a VM's environment points at must be a
 * tailnet peer the VM pins into /etc/hosts (by `TAILSCALE_PEER_TAGS`) and that the tailnet
 * policy lets the VM's tag reach on that port. A cluster-local address in a VM is an error
 * naming the variable: the reference deployment lost the VMs' logs and ClickHouse writes this
 * way, silently (DESIGN.md, mistake 12).
 *
 * Peers are the pooler's proxy (its hostname and tags as rendered) and the cluster's receivers
 * (src/config/receivers.ts). Endpoints inside a Secret the cluster provides cannot be read here;
 * the configuration declares them (`secret-endpoint`) and `path.vm-secret-endpoints` proves the
 * rest of their path, ASSUMED for the URL itself.
 */
import { ENV_VARS } from '../../config/env-vars';
import { objectNames } from '../../config/names';
import { tailnetReceivers } from '../../config/receivers';
import type { EnvSource, EnvironmentConfig } from '../../config/types';
import { canConnect } from '../../tailnet/evaluate';
import type { KubeObject } from '../../synth/manifests';
import { type Outcome, type Problem, assumed, environmentCheck, fail, pass, skip } from '../environment-check';
import { type Endpoint, isAddress, isClusterLocalHost, literalEndpoints } from '../manifest/endpoints';
import { deploymentContainer, envVar, objectsOfKind } from '../manifest/objects';
import { poolerOf } from '../manifest/pooler';
import type { PathInput } from '../types';
import { ownGrants } from './own-grants';

/** A tailnet peer a VM may dial. */
export interface TailnetPeer {
  readonly hostname: string;
  readonly tags: readonly string[];
  readonly what: string;
}

/** What the proof found for one endpoint. */
export interface EndpointProof {
  readonly endpoint: Endpoint;
  readonly peer: TailnetPeer | undefined;
  /** The grant that lets the VM in, when one does. */
  readonly rule: string | undefined;
  readonly problem: Problem | undefined;
  /** True when only the configuration vouches for the endpoint (it is inside a Secret we do not render). */
  readonly declared: boolean;
}

export function tailnetPeers(environment: EnvironmentConfig, objects: readonly KubeObject[]): TailnetPeer[] {
  const pooler = poolerOf(environment, objects);
  const poolerPeer: TailnetPeer[] = typeof pooler === 'string' || pooler.hostname === undefined
    ? [] : [{ hostname: pooler.hostname, tags: (pooler.tags ?? []).filter((t) => t !== ''), what: `the proxy of Pooler ${pooler.name}` }];
  return [...poolerPeer, ...tailnetReceivers(environment).map((r) => ({ hostname: r.hostname, tags: r.tags, what: `the ${r.what} proxy` }))];
}

/**
 * In-cluster Service names (a bare one resolves only on the pod network): the ones rendered
 * here, and the Services CNPG creates for the Cluster (`-rw`, `-ro`, `-r`).
 */
function serviceNames(environment: EnvironmentConfig, objects: readonly KubeObject[]): Set<string> {
  const cluster = objectNames(environment).databaseCluster;
  return new Set([
    ...[...objectsOfKind(objects, 'Pooler'), ...objectsOfKind(objects, 'Service')].map((o) => o.metadata.name),
    ...['rw', 'ro', 'r'].map((suffix) => `${cluster}-${suffix}`),
  ]);
}

/** The endpoints the VM's env declares in Secrets the cluster provides (config `secret-endpoint`). */
function declaredEndpoints(environment: EnvironmentConfig): { variable: string; receiver: string }[] {
  const groups = Object.values(environment.xcresultProcessor.runtime).filter((g): g is Record<string, EnvSource> => g !== null && typeof g === 'object' && !Array.isArray(g));
  return groups.flatMap((group) => Object.entries(group).flatMap(([variable, source]) => (source.kind === 'secret-endpoint' ? [{ variable, receiver: source.receiver }] : [])));
}

interface Context {
  readonly environment: EnvironmentConfig;
  readonly objects: readonly KubeObject[];
  readonly input: PathInput;
}

/** Every endpoint of the VM's environment, and whether the tailnet carries it. Undefined (with why) when there is no VM Deployment to read. */
export function proveVmEndpoints({ environment, objects, input }: Context): EndpointProof[] | string {
  const deploymentName = objectNames(environment).xcresultProcessorDeployment;
  const found = deploymentContainer(objects, deploymentName);
  if (typeof found === 'string') return found;
  const { container } = found;
  const vmTag = environment.tailnet.vmTag;
  const joins = envVar(container, ENV_VARS.tailscaleAuthKey) !== undefined;
  const pinnedTags = (envVar(container, ENV_VARS.tailscalePeerTags)?.value ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  const peers = tailnetPeers(environment, objects);
  const services = serviceNames(environment, objects);
  const policy = input.policies.find((p) => p.tailnet.name === environment.tailnet.tailnet);
  const where = (e: Endpoint): string => `Deployment ${deploymentName}: ${e.variable} points at ${e.host}:${e.port}`;

  const judge = (endpoint: Endpoint, declared: boolean): EndpointProof => {
    const result = (problem: Problem | undefined, peer?: TailnetPeer, rule?: string): EndpointProof => ({ endpoint, peer, rule, problem, declared });
    const { host, port, variable } = endpoint;
    if (isClusterLocalHost(host) || services.has(host)) {
      return result({
        message: `${where(endpoint)}, a cluster-local address; the VM is not on the pod network, so ${variable} fails (silently, for telemetry).`,
        fix: `Point ${variable} at the receiver's tailnet proxy: an { kind: 'endpoint' } source in xcresultProcessor.runtime (src/config/receivers.ts), or the tailnet key of the Secret.`,
      });
    }
    if (isAddress(host)) {
      return result({ message: `${where(endpoint)}, an address; the VM pins tailnet peers by name, and an address says nothing about which peer answers.`, fix: `Use the peer's tailnet hostname in ${variable}.` });
    }
    if (!joins) {
      return result({
        message: `${where(endpoint)}, but the VM does not join the tailnet (no ${ENV_VARS.tailscaleAuthKey}; path.tailscale-auth-key says why), so it reaches no peer.`,
        fix: 'Set xcresultProcessor.tailnetJoin to true.',
      });
    }
    const peer = peers.find((p) => p.hostname === host.split('.')[0] && (host === p.hostname || host.includes('.ts.net')));
    if (peer === undefined) {
      return result({
        message: `${where(endpoint)}, which is none of the tailnet peers the VM may dial (${peers.map((p) => p.hostname).join(', ')}).`,
        fix: `Point ${variable} at one of them, or declare the receiver in src/config/receivers.ts.`,
      });
    }
    if (!peer.tags.some((t) => pinnedTags.includes(t))) {
      return result({
        message: `${where(endpoint)}, ${peer.what} tagged ${peer.tags.join(', ') || '(no tags)'}, but the VM pins only peers tagged ${pinnedTags.join(', ') || '(none)'} (${ENV_VARS.tailscalePeerTags}); the name does not resolve in the guest.`,
        fix: `Include the peer's tag in ${ENV_VARS.tailscalePeerTags} (vmPeerTags in src/config/names.ts).`,
      }, peer);
    }
    if (policy === undefined) {
      return result({ message: `There is no policy for tailnet "${environment.tailnet.tailnet}", so nothing lets ${vmTag} reach ${host}.`, fix: `Declare tailnet "${environment.tailnet.tailnet}" in src/config/tailnets.ts.` }, peer);
    }
    // Through our own grants only, as path.policy-grant: people's catch-all may go at any time.
    const own = ownGrants(policy);
    for (const tag of peer.tags) {
      const grant = canConnect(own.document, vmTag, tag, 'tcp', port);
      if (grant.allowed) return result(undefined, peer, own.rule(grant.rule));
    }
    return result({
      message: `${where(endpoint)}: in tailnet "${environment.tailnet.tailnet}" no grant lets ${vmTag} reach ${peer.what} (${peer.tags.join(', ')}) on tcp:${port}, so the tailnet drops ${variable}'s connections.`,
      fix: `Grant ${vmTag} → ${peer.tags[0] ?? 'the peer'} on tcp:${port} (the environment's policy.vmToCluster, read by vmEgressPorts in src/tailnet/paths.ts).`,
    }, peer);
  };

  // DATABASE_URL's host, port and grant are path.database-url-host's and path.policy-grant's.
  const literal = literalEndpoints(container).map((e) => judge(e, false));
  const declared = declaredEndpoints(environment).flatMap(({ variable, receiver }) => {
    const peer = tailnetReceivers(environment).find((r) => r.id === receiver);
    return peer === undefined ? [] : [judge({ variable, host: peer.hostname, port: peer.port }, true)];
  });
  return [...literal, ...declared];
}

const describe = (p: EndpointProof): string => `${p.endpoint.variable} → ${p.endpoint.host}:${p.endpoint.port} (${p.rule?.split(' ')[0] ?? 'no grant'})`;

function outcome(proofs: EndpointProof[], onPass: (proofs: EndpointProof[]) => Outcome): Outcome {
  const problems = proofs.flatMap((p) => (p.problem === undefined ? [] : [p.problem]));
  if (problems.length > 0) return fail(problems.map((p) => p.message).join(' '), [...new Set(problems.map((p) => p.fix))].join(' '));
  return onPass(proofs);
}

export const vmEndpoints = environmentCheck<PathInput>(
  'path.vm-endpoints',
  'Every endpoint in the VM\'s environment is a tailnet peer it pins and the policy lets its tag reach on that port',
  (context) => {
    const proofs = proveVmEndpoints(context);
    if (typeof proofs === 'string') return fail(`${proofs}.`, 'Render the xcresult Deployment (src/k8s/xcresult-processor.ts).');
    if (proofs.some((p) => p.problem?.message.includes('does not join the tailnet'))) {
      return skip(`The VM does not join the tailnet (no ${ENV_VARS.tailscaleAuthKey}; path.tailscale-auth-key says why), so none of its endpoints can be reached.`, 'Set xcresultProcessor.tailnetJoin to true.');
    }
    return outcome(proofs.filter((p) => !p.declared), (ok) => pass(`${ok.length} endpoints besides the database (path.database-url-host), each a pinned tailnet peer the policy grants: ${ok.map(describe).join('; ')}.`));
  },
);

export const vmSecretEndpoints = environmentCheck<PathInput>(
  'path.vm-secret-endpoints',
  'Endpoints inside Secrets the cluster provides are declared tailnet peers the VM pins and may reach',
  (context) => {
    const proofs = proveVmEndpoints(context);
    if (typeof proofs === 'string') return fail(`${proofs}.`, 'Render the xcresult Deployment (src/k8s/xcresult-processor.ts).');
    if (proofs.some((p) => p.problem?.message.includes('does not join the tailnet'))) {
      return skip(`The VM does not join the tailnet (no ${ENV_VARS.tailscaleAuthKey}; path.tailscale-auth-key says why), so none of its endpoints can be reached.`, 'Set xcresultProcessor.tailnetJoin to true.');
    }
    const declared = proofs.filter((p) => p.declared);
    if (declared.length === 0) return pass('The VM reads no endpoint from a Secret the cluster provides.');
    return outcome(declared, (ok) => assumed(
      `The path is proven for ${ok.map(describe).join('; ')}; that the Secret's value is a URL to exactly that host and port is ASSUMED (only the configuration's declaration vouches for it).`,
      'Check the key in the cluster (kubectl get secret … -o jsonpath) after each rotation of the credentials, or render the URL here.',
    ));
  },
);
