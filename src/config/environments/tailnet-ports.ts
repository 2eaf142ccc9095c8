/**
 * The machine paths every environment opens on the tailnet today (../shared/REFERENCE.md, "The
 * live tailnet policy"): the same ports in each environment, written once.
 */
import { METRICS_PORT } from '../names';
import type { PolicyPort } from '../types';

/** What the VMs dial on the cluster tag, besides the pooler (which has its own tag). */
export const VM_TO_CLUSTER_PORTS: readonly PolicyPort[] = [
  { proto: 'tcp', port: 4317, purpose: 'OTLP spans to the Alloy receiver' },
  { proto: 'tcp', port: 3100, purpose: 'Loki log push' },
  { proto: 'tcp', port: 443, purpose: 'OCI registry (VM images)' },
  { proto: 'tcp', port: 8123, purpose: 'ClickHouse HTTP' },
];

/** What the cluster dials on the Mac mini hosts and their VMs. */
export const CLUSTER_TO_VM_PORTS: readonly PolicyPort[] = [
  { proto: 'tcp', port: 22, purpose: 'drift and diagnostics SSH' },
  { proto: 'tcp', port: 8080, purpose: 'tart-kubelet metrics' },
  { proto: 'tcp', port: METRICS_PORT, purpose: "VM PromEx through the host's forwarder" },
  { proto: 'tcp', port: 9100, purpose: 'node_exporter' },
];
