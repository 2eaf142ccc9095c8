import { MAGIC_DNS_SUFFIX, needsLoginStatus, runningStatus } from './support/tailscale-status';

describe('tailscale status documents', () => {
  const self = { hostName: 'vm', ipv4: '10.213.0.2', tags: [] };
  const pooler = { hostName: 'tuist-pg-pooler-staging', ipv4: '10.213.0.1', tags: ['tag:tuist-k8s-staging'] };

  test('a running node lists each peer under its node key with the fields tailscale-up.sh reads', () => {
    const status = runningStatus(self, [pooler]) as any;
    expect(status.BackendState).toBe('Running');
    expect(status.Self.TailscaleIPs).toEqual(['10.213.0.2']);
    const peers = Object.entries(status.Peer) as [string, any][];
    expect(peers).toHaveLength(1);
    const [key, peer] = peers[0]!;
    expect(key).toMatch(/^nodekey:[0-9a-f]{64}$/);
    expect(peer).toMatchObject({
      PublicKey: key,
      HostName: 'tuist-pg-pooler-staging',
      DNSName: `tuist-pg-pooler-staging.${MAGIC_DNS_SUFFIX}.`,
      TailscaleIPs: ['10.213.0.1'],
      Tags: ['tag:tuist-k8s-staging'],
      Online: true,
    });
  });

  test('is deterministic: the same nodes give the same document', () => {
    expect(JSON.stringify(runningStatus(self, [pooler]))).toBe(JSON.stringify(runningStatus(self, [pooler])));
  });

  test('a fresh node needs login and knows no peers or addresses', () => {
    expect(needsLoginStatus('vm')).toMatchObject({ BackendState: 'NeedsLogin', TailscaleIPs: null, Peer: null, Self: { TailscaleIPs: null } });
  });
});
