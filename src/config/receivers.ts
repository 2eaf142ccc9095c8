/**
 * The cluster's receivers a process sends to besides the database: where each listens in the
 * cluster, and the tailnet name of the operator proxy that fronts it for the VMs (which are not
 * on the pod network). Every address is written here once; the runtime groups refer to a
 * receiver by its id, and the constructs render the address of the process's network.
 *
 * UNCONFIRMED: the tailnet hostnames are not in the reference sheet (only the grants' ports
 * are); they are chosen here, `<prefix>-<env>`, and must be checked against the live
 * Services' `tailscale.com/hostname` before the first `pulumi up`. The Alloy receiver's
 * in-cluster address is tuist/tuist's own (its observability docs); the others are unconfirmed.
 */
import type { EnvironmentConfig } from './types';

export const RECEIVER_IDS = ['otlp', 'loki', 'registry', 'clickhouse'] as const;
export type ReceiverId = (typeof RECEIVER_IDS)[number];

export interface ReceiverDefinition {
  /** What listens there, for messages and diagrams. */
  readonly what: string;
  readonly port: number;
  /** In-cluster host (Linux pods dial this); undefined where no Linux process uses it (and none is confirmed). */
  readonly clusterHost: string | undefined;
  /** The tailnet proxy's hostname is `<prefix>-<env>` (UNCONFIRMED, see above). */
  readonly tailnetHostPrefix: string;
}

export const RECEIVERS: Readonly<Record<ReceiverId, ReceiverDefinition>> = {
  otlp: { what: 'Alloy OTLP gRPC receiver (spans)', port: 4317, clusterHost: 'k8s-monitoring-alloy-receiver.observability.svc.cluster.local', tailnetHostPrefix: 'tuist-alloy-otlp' },
  loki: { what: 'Loki push API (logs)', port: 3100, clusterHost: undefined, tailnetHostPrefix: 'tuist-loki' },
  registry: { what: 'OCI registry (the VM release artifact)', port: 443, clusterHost: undefined, tailnetHostPrefix: 'tuist-registry' },
  clickhouse: { what: 'ClickHouse HTTP interface', port: 8123, clusterHost: undefined, tailnetHostPrefix: 'tuist-clickhouse' },
};

/** A receiver as one environment's VMs reach it on the tailnet. */
export interface TailnetReceiver {
  readonly id: ReceiverId;
  readonly what: string;
  readonly hostname: string;
  readonly port: number;
  /** Tags of the operator proxy: the cluster tag, which the operator gives a proxy by default. */
  readonly tags: readonly string[];
}

export function tailnetReceiver(env: EnvironmentConfig, id: ReceiverId): TailnetReceiver {
  const receiver = RECEIVERS[id];
  return { id, what: receiver.what, hostname: `${receiver.tailnetHostPrefix}-${env.name}`, port: receiver.port, tags: [env.tailnet.clusterTag] };
}

export function tailnetReceivers(env: EnvironmentConfig): TailnetReceiver[] {
  return RECEIVER_IDS.map((id) => tailnetReceiver(env, id));
}
