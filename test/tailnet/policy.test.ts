/**
 * The environments' fragments and the composed policy of the committed configuration, as
 * relations derived from the configuration (a new port or environment changes only snapshots).
 */
import { composePolicy } from '../../src/tailnet/compose';
import { canConnect, canSsh, runPolicyTests } from '../../src/tailnet/evaluate';
import { basePolicyFragment, environmentPolicyFragment, environmentTags } from '../../src/tailnet/fragments';
import { clusterEgressPorts, grantedPorts, poolerProxyTags, vmEgressPorts } from '../../src/tailnet/paths';
import { isWildcardPortSpec } from '../../src/tailnet/syntax';
import { VM_DIAGNOSTICS_USER } from '../../src/config/vm';
import { ENVIRONMENTS, TAILNETS, staging, variant } from '../fixtures';
import { fragmentsOnly, policies } from './fixtures';

const tailnetOf = (env: (typeof ENVIRONMENTS)[number]) => TAILNETS.find((t) => t.name === env.tailnet.tailnet)!;

describe('tailnet policies of the committed configuration', () => {
  const built = policies();

  test('one document per tailnet, covering the environments on it', () => {
    for (const env of ENVIRONMENTS) expect(built[env.tailnet.tailnet]!.environments.map((e) => e.name)).toContain(env.name);
  });

  test.each(Object.keys(built))('%s matches the snapshot', (name) => {
    expect(built[name]!.document).toMatchSnapshot();
  });

  test.each(Object.keys(built))('%s passes all of its own tests offline', (name) => {
    expect(runPolicyTests(built[name]!.document)).toEqual([]);
  });

  test('our fragments use no wildcard anywhere: sources, destinations, ports, users', () => {
    const { document } = fragmentsOnly();
    const selectors = [...document.grants, ...document.ssh].flatMap((r) => [...r.src, ...r.dst]);
    expect(selectors.filter((s) => s === '*' || s.startsWith('autogroup:'))).toEqual([]);
    expect(document.grants.flatMap((g) => g.ip ?? []).filter(isWildcardPortSpec)).toEqual([]);
    expect(document.ssh.flatMap((r) => r.users)).toEqual(expect.not.arrayContaining(['root', '*', 'autogroup:nonroot']));
  });
});

describe.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('fragment of %s', (_name, env) => {
  const tailnet = tailnetOf(env);
  const fragment = environmentPolicyFragment(env, tailnet);
  const doc = composePolicy(tailnet, basePolicyFragment(tailnet, [env]), [fragment]);
  const { clusterTag, vmTag, operatorTag } = env.tailnet;
  const proxies = poolerProxyTags(env);

  test('the pooler proxy\'s own tags are owned by the operator\'s tag; the operator and VM tags by the tag admins', () => {
    for (const tag of proxies) expect(fragment.tagOwners[tag]).toEqual([operatorTag]);
    expect(fragment.tagOwners[operatorTag]).toEqual([...tailnet.tagAdmins]);
    expect(fragment.tagOwners[vmTag]).toEqual(expect.arrayContaining([...tailnet.tagAdmins]));
    // The deployer owns every VM tag: every stack mints its environment's VM credential.
    expect(fragment.tagOwners[vmTag]).toContain(tailnet.deployerTag);
  });

  test('opens exactly the configured machine paths, each port to its destination tags only', () => {
    for (const p of vmEgressPorts(env)) {
      for (const dst of p.dst) expect(canConnect(doc, vmTag, dst, p.proto, p.port).allowed).toBe(true);
      // The pooler port is on the proxy's tag only; the cluster tag's ports are not on the proxy.
      for (const other of environmentTags(env).filter((t) => !p.dst.includes(t))) expect(canConnect(doc, vmTag, other, p.proto, p.port).allowed).toBe(false);
    }
    for (const p of clusterEgressPorts(env)) expect(canConnect(doc, clusterTag, vmTag, p.proto, p.port).allowed).toBe(true);
    const configured = new Set(grantedPorts(env).flatMap((p) => p.dst.map((d) => `${p.src}>${d}>${p.proto}:${p.port}`)));
    const granted = fragment.grants.flatMap((g) => g.src.flatMap((s) => g.dst.flatMap((d) => (g.ip ?? []).map((ip) => `${s}>${d}>${ip}`))));
    expect(new Set(granted)).toEqual(configured);
  });

  test('the pooler proxy: reachable only by the VMs on the pooler port, no SSH, no outbound grants', () => {
    for (const proxy of proxies) {
      expect(fragment.grants.filter((g) => g.src.includes(proxy))).toEqual([]);
      expect(fragment.grants.filter((g) => g.dst.includes(proxy)).flatMap((g) => g.src)).toEqual([vmTag]);
      expect(fragment.ssh.filter((r) => r.dst.includes(proxy) || r.src.includes(proxy))).toEqual([]);
      expect(canSsh(doc, clusterTag, proxy, VM_DIAGNOSTICS_USER).verdict).toBe('deny');
      expect(fragment.sshTests).toContainEqual(expect.objectContaining({ src: clusterTag, dst: [proxy], deny: expect.arrayContaining([VM_DIAGNOSTICS_USER, 'root']) }));
    }
  });

  test('the cluster tag gets in to the VMs over SSH with accept, as the diagnostics account only, never as root', () => {
    expect(fragment.ssh).toEqual([{ action: 'accept', src: [clusterTag], dst: [vmTag], users: [VM_DIAGNOSTICS_USER] }]);
    expect(canSsh(doc, clusterTag, vmTag, VM_DIAGNOSTICS_USER).verdict).toBe('accept');
    expect(canSsh(doc, clusterTag, vmTag, 'root').verdict).toBe('deny');
    expect(canSsh(doc, clusterTag, vmTag, 'admin').verdict).toBe('deny');
  });

  test('holds no people\'s access: no users, groups, autogroups or capabilities', () => {
    const named = JSON.stringify([fragment.grants, fragment.ssh]);
    expect(named).not.toMatch(/group:|autogroup:|@|"app"/);
    expect(fragment.groups).toEqual({});
  });

  test('names only its own tags (and the base\'s)', () => {
    const named = new Set(JSON.stringify(fragment).match(/tag:[a-z0-9-]+/g));
    expect([...named].filter((t) => !environmentTags(env).includes(t) && t !== tailnet.deployerTag)).toEqual([]);
  });

  test('survives a JSON round trip unchanged (fragments travel through stack outputs)', () => {
    expect(JSON.parse(JSON.stringify(fragment))).toStrictEqual(fragment);
  });
});

describe('machine paths from the configuration', () => {
  test('a new port is granted and tested; the pooler port goes to the proxy\'s tags only when exposed', () => {
    const env = variant(staging, (d) => { d.policy.vmToCluster.push({ proto: 'udp', port: 8125, purpose: 'statsd' }); });
    const fragment = environmentPolicyFragment(env, tailnetOf(env));
    expect(fragment.grants.find((g) => g.dst.includes(env.tailnet.clusterTag) && g.src.includes(env.tailnet.vmTag))!.ip).toContain('udp:8125');
    expect(fragment.tests).toContainEqual(expect.objectContaining({ src: env.tailnet.vmTag, proto: 'udp', accept: [`${env.tailnet.clusterTag}:8125`] }));
    const hidden = variant(staging, (d) => { d.pooler.tailnetExposure = { enabled: false }; d.xcresultProcessor.tailnetJoin = false; d.xcresultProcessor.databaseUrlSecretKey = 'processor-database-url'; });
    expect(vmEgressPorts(hidden).filter((p) => p.port === 5432)).toEqual([]);
    expect(environmentPolicyFragment(hidden, tailnetOf(hidden)).grants.flatMap((g) => g.ip ?? [])).not.toContain('tcp:5432');
  });
});

describe('base fragment', () => {
  test('declares the deployer tag, owned by the tag admins, while an environment lives on the tailnet (every stack mints its VM credential)', () => {
    const tailnet = tailnetOf(staging);
    expect(basePolicyFragment(tailnet, []).tagOwners).toEqual({});
    expect(basePolicyFragment(tailnet, ENVIRONMENTS).tagOwners).toEqual({ [tailnet.deployerTag]: [...tailnet.tagAdmins] });
    for (const env of ENVIRONMENTS) expect(environmentPolicyFragment(env, tailnet).tagOwners[env.tailnet.vmTag]).toEqual([...tailnet.tagAdmins, tailnet.deployerTag]);
    expect(basePolicyFragment(tailnet, ENVIRONMENTS).groups).toEqual({});
  });
});

describe('composePolicy (fragments only)', () => {
  const policy = fragmentsOnly();
  const fragments = policy.fragments;

  test('keeps the base first, then the environments in the given order', () => {
    expect(policy.document.grants).toEqual(fragments.flatMap((f) => f.grants));
  });

  test('adds tests denying every other environment\'s tags each port and SSH login of an environment', () => {
    for (const env of policy.environments) {
      for (const other of policy.environments.filter((e) => e !== env)) {
        for (const p of vmEgressPorts(env)) {
          expect(policy.document.tests.some((t) => t.src === other.tailnet.vmTag && (t.deny ?? []).includes(`${p.dst[0]}:${p.port}`))).toBe(true);
        }
        expect(policy.document.sshTests).toContainEqual(expect.objectContaining({ src: other.tailnet.clusterTag, dst: expect.arrayContaining([env.tailnet.vmTag]), deny: expect.arrayContaining(['root']) }));
      }
    }
  });

  test('fragments deployed earlier compose with the current base like fragments from code', () => {
    const lastDeployed = JSON.parse(JSON.stringify(fragments));
    expect(composePolicy(policy.tailnet, policy.base, lastDeployed)).toEqual(policy.document);
  });
});
