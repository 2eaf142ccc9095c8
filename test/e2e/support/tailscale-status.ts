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
}

/** The tailnet's MagicDNS suffix in these documents (any valid one would do). */
export const MAGIC_DNS_SUFFIX = 'tail0e2e0.ts.net';

const nodeKey = (hostName: string): string => `nodekey:${createHash('sha256').update(hostName).digest('hex')}`;

function node(n: TailnetNode, online: boolean): Record<string, unknown> {
  return {
    PublicKey: nodeKey(n.hostName),
    HostName: n.hostName,
    DNSName: `${n.hostName}.${MAGIC_DNS_SUFFIX}.`,
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
    Peer: Object.fromEntries(peers.map((p) => [nodeKey(p.hostName), node(p, true)])),
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
