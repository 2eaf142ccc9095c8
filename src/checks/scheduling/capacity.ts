/**
 * The proof that what we render can run where it lands: the VMs fit the Mac mini fleet (one
 * VM per host, hostPort 9091), their rollout progresses with no spare host, every disruption
 * budget lets a node drain, and PgBouncer's limits hold every client's pool. Replicas, rollouts
 * and budgets are read from the rendered objects; the fleet's hosts and the Cluster's
 * `max_connections` are facts the configuration declares (the project owns neither).
 * Each failure names both numbers and the fix.
 */
import { DEFAULT_DATABASE_POOL_SIZE, ENV_VARS } from '../../config/env-vars';
import { DATABASE_URL_KEYS, objectNames } from '../../config/names';
import type { EnvironmentConfig } from '../../config/types';
import type { KubeObject } from '../../synth/manifests';
import { type Problem, environmentCheck, fail, fromProblems, pass } from '../environment-check';
import { describeObject, deploymentContainer, envVar, field, findObject, objectsOfKind, selects, type LabelSelector } from '../manifest/objects';
import { poolerOf } from '../manifest/pooler';

/** PgBouncer's own defaults, used when a Pooler does not set the parameter (pgbouncer.ini(5)). */
export const PGBOUNCER_DEFAULTS = { max_client_conn: 100, default_pool_size: 20 } as const;

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined);

function replicasOf(deployment: KubeObject): number {
  return num(field(deployment, 'spec', 'replicas')) ?? 1;
}

/** The extra pods a rollout runs at once (`maxSurge`; Recreate has none). Percentages round up, as Kubernetes does. */
function surgeOf(deployment: KubeObject): number {
  if (field(deployment, 'spec', 'strategy', 'type') === 'Recreate') return 0;
  const surge = field(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxSurge') ?? '25%';
  if (typeof surge === 'string' && surge.endsWith('%')) return Math.ceil((replicasOf(deployment) * Number(surge.slice(0, -1))) / 100);
  return num(surge) ?? 0;
}

function unavailableOf(deployment: KubeObject): number {
  const value = field(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable') ?? '25%';
  if (typeof value === 'string' && value.endsWith('%')) return Math.floor((replicasOf(deployment) * Number(value.slice(0, -1))) / 100);
  return num(value) ?? 0;
}

/** The environment's xcresult Deployment, or why there is none. */
function xcresultDeployment(environment: EnvironmentConfig, objects: readonly KubeObject[]): KubeObject | string {
  const name = objectNames(environment).xcresultProcessorDeployment;
  return findObject(objects, 'Deployment', name) ?? `no Deployment named "${name}" is rendered.`;
}

export const vmHosts = environmentCheck(
  'scheduling.vm-hosts',
  'The xcresult VMs fit the fleet: at most one per Mac mini host',
  ({ environment, objects }) => {
    const deployment = xcresultDeployment(environment, objects);
    if (typeof deployment === 'string') return fail(deployment, 'Render the xcresult Deployment (src/k8s/xcresult-processor.ts).');
    const replicas = replicasOf(deployment);
    const { hosts } = environment.xcresultProcessor.fleet;
    if (replicas > hosts) {
      return fail(
        `${describeObject(deployment)} asks for ${replicas} VMs, but fleet ${objectNames(environment).fleet} has ${hosts} Mac mini host(s) and each runs one VM (hostPort 9091): ${replicas - hosts} Pod(s) stay Pending for ever and the rollout never completes.`,
        `Set xcresultProcessor.replicas to at most ${hosts}, or add hosts to the fleet and raise xcresultProcessor.fleet.hosts.`,
      );
    }
    return pass(`${replicas} VM(s) on ${hosts} Mac mini host(s).`);
  },
);

export const vmRollout = environmentCheck(
  'scheduling.vm-rollout',
  'The xcresult rollout progresses with the hosts the fleet has',
  ({ environment, objects }) => {
    const deployment = xcresultDeployment(environment, objects);
    if (typeof deployment === 'string') return fail(deployment, 'Render the xcresult Deployment (src/k8s/xcresult-processor.ts).');
    const replicas = replicasOf(deployment);
    const { hosts } = environment.xcresultProcessor.fleet;
    const spare = Math.max(0, hosts - replicas);
    const surge = surgeOf(deployment);
    if (surge > spare) {
      return fail(
        `${describeObject(deployment)} surges ${surge} VM(s) during a rollout, but the fleet has ${spare} spare host(s) (${hosts} hosts, ${replicas} replicas): the new VMs stay Pending and the rollout stalls until its progress deadline.`,
        'Use xcresultProcessor.rollout "no-surge" (maxSurge 0) or "recreate".',
      );
    }
    const recreate = field(deployment, 'spec', 'strategy', 'type') === 'Recreate';
    if (!recreate && surge === 0 && replicas > 0 && unavailableOf(deployment) < 1) {
      return fail(
        `${describeObject(deployment)} neither surges nor lets a VM go (maxSurge 0, maxUnavailable ${unavailableOf(deployment)}), so a rollout can never replace one.`,
        'Use xcresultProcessor.rollout "no-surge" (maxUnavailable 1) or "recreate".',
      );
    }
    return pass(recreate ? 'Recreate: every VM stops before the new ones boot.' : `Surges ${surge} VM(s) with ${spare} spare host(s), replacing up to ${unavailableOf(deployment)} at a time.`);
  },
);

export const drainAllowed = environmentCheck(
  'scheduling.drain',
  'Every disruption budget lets a node drain (it allows at least one eviction)',
  ({ objects }) => {
    const problems: Problem[] = [];
    const deployments = objectsOfKind(objects, 'Deployment');
    for (const pdb of objectsOfKind(objects, 'PodDisruptionBudget')) {
      const selector = field(pdb, 'spec', 'selector') as LabelSelector | undefined;
      const target = deployments.find((d) => selector !== undefined && selects(selector, (field(d, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, string>));
      if (target === undefined) continue;
      const replicas = replicasOf(target);
      const minAvailable = num(field(pdb, 'spec', 'minAvailable'));
      const maxUnavailable = num(field(pdb, 'spec', 'maxUnavailable'));
      if (minAvailable !== undefined && minAvailable >= replicas) {
        problems.push({
          message: `${describeObject(pdb)} keeps minAvailable ${minAvailable} of ${describeObject(target)}'s ${replicas} replica(s), so no Pod may be evicted and every node drain blocks.`,
          fix: `Lower its minAvailable below ${replicas} (podDisruptionBudget), raise the replicas above ${minAvailable}, or drop the budget.`,
        });
      } else if (maxUnavailable !== undefined && maxUnavailable < 1) {
        problems.push({ message: `${describeObject(pdb)} allows maxUnavailable ${maxUnavailable}, so every node drain blocks.`, fix: 'Allow at least 1 (or use minAvailable below the replicas).' });
      }
    }
    return fromProblems(problems, 'Every budget lets at least one Pod go, so drains progress.');
  },
);

/** The processes that open connections through the pooler, each with its peak Pods and pool size. */
function poolerClients(environment: Parameters<typeof objectNames>[0], objects: readonly KubeObject[]): { name: string; pods: number; poolSize: number; connections: number }[] {
  const names = objectNames(environment);
  return [names.processorDeployment, names.xcresultProcessorDeployment].flatMap((name) => {
    const found = deploymentContainer(objects, name);
    if (typeof found === 'string') return [];
    const url = envVar(found.container, ENV_VARS.databaseUrl)?.valueFrom?.secretKeyRef;
    if (url?.name !== names.processorSecret || !Object.values(DATABASE_URL_KEYS).includes(url.key as never)) return [];
    // During a rollout the old and the surge Pods are connected at once.
    const pods = replicasOf(found.deployment) + surgeOf(found.deployment);
    const poolSize = num(envVar(found.container, ENV_VARS.databasePoolSize)?.value) ?? DEFAULT_DATABASE_POOL_SIZE;
    return [{ name, pods, poolSize, connections: pods * poolSize }];
  });
}

export const pgbouncerClients = environmentCheck(
  'scheduling.pgbouncer-clients',
  "The processors' pools fit PgBouncer's max_client_conn",
  ({ environment, objects }) => {
    const pooler = poolerOf(environment, objects);
    if (typeof pooler === 'string') return fail(`${pooler}.`, "Render the environment's Pooler (src/k8s/database-pooler.ts).");
    const maxClients = num(field(pooler.object, 'spec', 'pgbouncer', 'parameters', 'max_client_conn')) ?? PGBOUNCER_DEFAULTS.max_client_conn;
    const clients = poolerClients(environment, objects);
    const total = clients.reduce((sum, c) => sum + c.connections, 0);
    const terms = clients.map((c) => `${c.name} ${c.pods} Pod(s) × ${c.poolSize}`).join(' + ');
    // A Service may send every client to one PgBouncer, so each instance must take them all.
    if (total > maxClients) {
      return fail(
        `The processors open up to ${total} client connections (${terms}, surge Pods included), but ${describeObject(pooler.object)} accepts max_client_conn ${maxClients} per PgBouncer; the rest are refused.`,
        `Raise pooler.parameters.max_client_conn to at least ${total}, or lower ${ENV_VARS.databasePoolSize} (runtime.database) or the replicas.`,
      );
    }
    return pass(`${total} client connections (${terms}) ≤ max_client_conn ${maxClients}.`);
  },
);

export const pgbouncerServerConnections = environmentCheck(
  'scheduling.pgbouncer-connections',
  "PgBouncer's server connections fit the Cluster's max_connections, less a reserve",
  ({ environment, objects }) => {
    const pooler = poolerOf(environment, objects);
    if (typeof pooler === 'string') return fail(`${pooler}.`, "Render the environment's Pooler (src/k8s/database-pooler.ts).");
    const instances = num(field(pooler.object, 'spec', 'instances')) ?? 1;
    const poolSize = num(field(pooler.object, 'spec', 'pgbouncer', 'parameters', 'default_pool_size')) ?? PGBOUNCER_DEFAULTS.default_pool_size;
    const { maxConnections, reservedConnections } = environment.database;
    const available = maxConnections - reservedConnections;
    const needed = instances * poolSize;
    if (needed > available) {
      return fail(
        `${describeObject(pooler.object)} runs ${instances} PgBouncer instance(s) × default_pool_size ${poolSize} = ${needed} server connections, but Cluster ${objectNames(environment).databaseCluster} has max_connections ${maxConnections} less ${reservedConnections} reserved = ${available}.`,
        `Lower pooler.parameters.default_pool_size to at most ${Math.floor(available / instances)}, or raise the Cluster's max_connections (database.maxConnections records it).`,
      );
    }
    return pass(`${instances} × ${poolSize} = ${needed} server connections ≤ ${maxConnections} max_connections − ${reservedConnections} reserved = ${available}.`);
  },
);
