import { ENV_VARS } from '../../src/config/env-vars';
import { RECEIVERS, tailnetReceiver } from '../../src/config/receivers';
import { endpointOf } from '../../src/checks/manifest/endpoints';
import { runChecks } from '../../src/checks/run';
import { staging } from '../fixtures';
import { NAMES, env, expectOnlyFailure, resultOf, runBroken, validInput, xcresult } from './helpers';

/** The name of the VM env var that dials a receiver, read from the configuration (not spelled here). */
function variableFor(receiver: keyof typeof RECEIVERS): string {
  for (const group of Object.values(staging.xcresultProcessor.runtime)) {
    if (group === null || typeof group !== 'object' || Array.isArray(group)) continue;
    for (const [name, source] of Object.entries(group as Record<string, any>)) if (source.receiver === receiver) return name;
  }
  throw new Error(`no variable dials ${receiver}`);
}

describe('path.vm-endpoints (everything a VM dials is a pinned, granted tailnet peer)', () => {
  test('passes on the committed configuration, listing each endpoint and its grant', () => {
    const result = resultOf(runChecks(validInput()), 'path.vm-endpoints', 'staging');
    expect(result.status).toBe('pass');
    expect(result.message).toContain(`${variableFor('otlp')} → ${tailnetReceiver(staging, 'otlp').hostname}:${RECEIVERS.otlp.port}`);
    expect(result.message).not.toContain(`${ENV_VARS.databaseUrl} → `);
  });

  test('fails when the VM\'s OTLP endpoint is cluster-local, naming the variable', () => {
    const variable = variableFor('otlp');
    const run = runBroken('canary', (objects) => { env(xcresult(objects), variable).value = `http://${RECEIVERS.otlp.clusterHost}:${RECEIVERS.otlp.port}`; });
    const failure = expectOnlyFailure(run, 'path.vm-endpoints', 'canary');
    expect(failure.message).toContain(`Deployment ${NAMES.xcresultProcessorDeployment}: ${variable} points at ${RECEIVERS.otlp.clusterHost}:${RECEIVERS.otlp.port}, a cluster-local address; the VM is not on the pod network`);
    expect(failure.fix).toContain(`Point ${variable} at the receiver's tailnet proxy`);
  });

  test('fails when a VM dials an in-cluster Service by its bare name', () => {
    const variable = variableFor('loki');
    const run = runBroken('staging', (objects) => { env(xcresult(objects), variable).value = `http://${NAMES.pooler}:5432`; });
    expect(expectOnlyFailure(run, 'path.vm-endpoints', 'staging').message).toContain(`${variable} points at ${NAMES.pooler}:5432, a cluster-local address`);
    const direct = runBroken('staging', (objects) => { env(xcresult(objects), variable).value = `postgres://${NAMES.databaseCluster}-rw:5432/tuist`; });
    expect(expectOnlyFailure(direct, 'path.vm-endpoints', 'staging').message).toContain(`${NAMES.databaseCluster}-rw:5432, a cluster-local address`);
  });

  test('fails when the policy does not grant the port, naming the port and the variable', () => {
    const variable = variableFor('loki');
    const { port } = RECEIVERS.loki;
    const input = validInput();
    const grant = input.policies.find((p) => p.tailnet.name === staging.tailnet.tailnet)!.document.grants.find((g) => g.src.includes(staging.tailnet.vmTag) && (g.ip ?? []).includes(`tcp:${port}`))!;
    grant.ip = (grant.ip ?? []).filter((spec) => spec !== `tcp:${port}`);
    const failure = expectOnlyFailure(runChecks(input), 'path.vm-endpoints', 'staging');
    expect(failure.message).toMatch(new RegExp(`${variable} points at .*:${port}: in tailnet "${staging.tailnet.tailnet}" no grant lets ${staging.tailnet.vmTag} reach .* on tcp:${port}`));
    expect(failure.fix).toContain(`on tcp:${port}`);
  });

  test('fails when the VM does not pin the peer it dials', () => {
    const run = runBroken('production', (objects) => { env(xcresult(objects), ENV_VARS.tailscalePeerTags).value = 'tag:tuist-pg-pooler-production'; });
    const failure = run.results.find((r) => r.check === 'path.vm-endpoints' && r.environment === 'production')!;
    expect(failure.status).toBe('fail');
    expect(failure.message).toMatch(/but the VM pins only peers tagged tag:tuist-pg-pooler-production \(TAILSCALE_PEER_TAGS\); the name does not resolve in the guest/);
  });

  test('fails when the VM dials a host that is no tailnet peer, or an address', () => {
    const variable = variableFor('registry');
    expect(expectOnlyFailure(runBroken('staging', (objects) => { env(xcresult(objects), variable).value = 'ghcr.io:443/tuist/release:1.0.0'; }), 'path.vm-endpoints', 'staging').message)
      .toMatch(/points at ghcr.io:443, which is none of the tailnet peers the VM may dial/);
    expect(expectOnlyFailure(runBroken('staging', (objects) => { env(xcresult(objects), variable).value = 'http://100.101.102.103:443'; }), 'path.vm-endpoints', 'staging').message)
      .toMatch(/an address; the VM pins tailnet peers by name/);
  });
});

describe('path.vm-secret-endpoints (endpoints inside Secrets the cluster provides)', () => {
  test('is assumed: the path is proven, the Secret\'s value only declared', () => {
    const variable = variableFor('clickhouse');
    const result = resultOf(runChecks(validInput()), 'path.vm-secret-endpoints', 'staging');
    expect(result.status).toBe('assumed');
    expect(result.message).toContain(`${variable} → ${tailnetReceiver(staging, 'clickhouse').hostname}:${RECEIVERS.clickhouse.port}`);
    expect(result.message).toContain('ASSUMED');
  });

  test('fails when the declared endpoint\'s port is not granted', () => {
    const { port } = RECEIVERS.clickhouse;
    const input = validInput();
    for (const grant of input.policies.flatMap((p) => p.document.grants)) grant.ip = (grant.ip ?? []).filter((spec) => spec !== `tcp:${port}`);
    const result = resultOf(runChecks(input), 'path.vm-secret-endpoints', 'canary');
    expect(result.status).toBe('fail');
    expect(result.message).toContain(`on tcp:${port}`);
  });
});

describe('endpointOf', () => {
  test.each([
    ['http://host-a:4317', { host: 'host-a', port: 4317 }],
    ['https://host-b/path', { host: 'host-b', port: 443 }],
    ['host-c:443/tuist/release:1.0.0', { host: 'host-c', port: 443 }],
    ['postgres://u:p@host-d:5432/db', { host: 'host-d', port: 5432 }],
  ])('reads %s', (value, expected) => {
    expect(endpointOf('V', value)).toEqual({ variable: 'V', ...expected });
  });

  test.each(['info', '1', 'tag:tuist-k8s-staging', 'tag:a,tag:b', 's3', ''])('finds no endpoint in %j', (value) => {
    expect(endpointOf('V', value)).toBeUndefined();
  });
});
