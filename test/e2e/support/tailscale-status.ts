/**
 * `tailscale status --json` documents for the fake CLI (test/vm/fixtures/bin/tailscale): the
 * fields tailscale-up.sh reads (BackendState, Self.TailscaleIPs, Peer[].HostName, DNSName,
 * TailscaleIPs, Tags, Online), shaped like the real CLI's output.
 */
import { createHash } from 'node:crypto';

export interface TailnetNode {
  readonly hostName: string;
  readonly ipv4: string;
  readonly tags: readonly string[];
  /** The MagicDNS name; by default `<hostName>.<MAGIC_DNS_SUFFIX>.` (an impostor sets another). */
  readonly dnsName?: string;
}

/** The tailnet's MagicDNS suffix in these documents (any valid one would do). */
export const MAGIC_DNS_SUFFIX = 'tail0e2e0.ts.net';

const dnsName = (n: TailnetNode): string => n.dnsName ?? `${n.hostName}.${MAGIC_DNS_SUFFIX}.`;
const nodeKey = (n: TailnetNode): string => `nodekey:${createHash('sha256').update(dnsName(n)).digest('hex')}`;

function node(n: TailnetNode, online: boolean): Record<string, unknown> {
  return {
    PublicKey: nodeKey(n),
    HostName: n.hostName,
    DNSName: dnsName(n),
    OS: 'linux',
    TailscaleIPs: [n.ipv4],
    Tags: [...n.tags],
    Online: online,
  };
}

/** A node on the tailnet (the restart path: tailscale-up.sh only pins). */
export function runningStatus(self: TailnetNode, peers: readonly TailnetNode[]): Record<string, unknown> {
  return {
    BackendState: 'Running',
    TailscaleIPs: [self.ipv4],
    Self: { ...node(self, true), OS: 'macOS' },
    MagicDNSSuffix: MAGIC_DNS_SUFFIX,
    CurrentTailnet: { Name: 'e2e.example', MagicDNSSuffix: MAGIC_DNS_SUFFIX, MagicDNSEnabled: true },
    Peer: Object.fromEntries(peers.map((p) => [nodeKey(p), node(p, true)])),
  };
}

/** A fresh VM's tailscaled before its first `tailscale up` (the first-boot path). */
export function needsLoginStatus(hostName: string): Record<string, unknown> {
  return {
    BackendState: 'NeedsLogin',
    TailscaleIPs: null,
    Self: { HostName: hostName, DNSName: '', OS: 'macOS', TailscaleIPs: null, Online: false },
    MagicDNSSuffix: '',
    Peer: null,
  };
}
