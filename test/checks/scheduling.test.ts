import { runChecks } from '../../src/checks/run';
import { PGBOUNCER_DEFAULTS } from '../../src/checks/scheduling/capacity';
import { DEFAULT_DATABASE_POOL_SIZE } from '../../src/config/env-vars';
import type { EnvironmentConfig } from '../../src/config/types';
import { build } from '../../src/synth/build';
import { type DeepMutable, ENVIRONMENTS, TAILNETS, production, variant } from '../fixtures';
import { crdCatalog, expectOnlyFailure } from './helpers';

/** Every check over the committed environments with production replaced by `mutate`'s fixture. */
function runWith(mutate: (d: DeepMutable<EnvironmentConfig>) => void) {
  const fixture = variant(production, mutate);
  const built = build({ environments: ENVIRONMENTS.map((e) => (e.name === fixture.name ? fixture : e)), tailnets: TAILNETS });
  return { fixture, run: runChecks({ model: built.model, environments: built.environments, policies: built.tailnets, crds: crdCatalog(), requireSchemas: true }) };
}

describe('scheduling proof', () => {
  test('passes on the committed configuration', () => {
    const { run } = runWith(() => {});
    expect(run.results.filter((r) => r.check.startsWith('scheduling.') && r.status !== 'pass')).toEqual([]);
  });

  test('fails when four VMs are asked of a two-host fleet, naming both numbers', () => {
    const { run } = runWith((d) => { d.xcresultProcessor.replicas = 4; d.xcresultProcessor.fleet.hosts = 2; d.xcresultProcessor.podDisruptionBudget = { enabled: false }; });
    const failure = expectOnlyFailure(run, 'scheduling.vm-hosts', 'production');
    expect(failure.message).toMatch(/asks for 4 VMs, but fleet \S+ has 2 Mac mini host\(s\).*2 Pod\(s\) stay Pending/);
    expect(failure.fix).toMatch(/at most 2.*fleet\.hosts/);
  });

  test('fails when the VM rollout surges with no spare host, and passes a surge the spare hosts absorb', () => {
    // The construct never surges a VM: break the rendered object.
    const fixture = variant(production, (d) => { d.xcresultProcessor.fleet.hosts = 2; });
    const built = build({ environments: ENVIRONMENTS.map((e) => (e.name === fixture.name ? fixture : e)), tailnets: TAILNETS });
    const xc = built.environments.find((e) => e.environment.name === 'production')!.objects.find((o: any) => o.kind === 'Deployment' && o.spec.template.spec.nodeSelector?.['kubernetes.io/os'] === 'darwin') as any;
    xc.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    const run = runChecks({ model: built.model, environments: built.environments, policies: built.tailnets, crds: crdCatalog(), requireSchemas: true });
    expect(expectOnlyFailure(run, 'scheduling.vm-rollout', 'production').message).toMatch(/surges 1 VM\(s\) during a rollout, but the fleet has 0 spare host\(s\) \(2 hosts, 2 replicas\)/);
    const roomy = runWith((d) => { d.xcresultProcessor.fleet.hosts = 3; });
    expect(roomy.run.ok).toBe(true);
  });

  test('fails when a disruption budget blocks every drain, naming both numbers', () => {
    const { run } = runWith((d) => { d.processor.podDisruptionBudget = { enabled: true, minAvailable: 2 }; d.processor.replicas = 2; });
    const failure = expectOnlyFailure(run, 'scheduling.drain', 'production');
    expect(failure.message).toMatch(/keeps minAvailable 2 of Deployment \S+'s 2 replica\(s\), so no Pod may be evicted/);
    expect(failure.fix).toMatch(/below 2/);
  });

  test('fails when the processors\' pools exceed max_client_conn, surge Pods included', () => {
    const { fixture, run } = runWith((d) => {
      d.processor.replicas = 8;
      (d.processor.runtime.database as any).TUIST_DATABASE_POOL_SIZE = { kind: 'literal', value: '12' };
      d.processor.podDisruptionBudget = { enabled: false };
    });
    const processorPods = fixture.processor.replicas + fixture.processor.rollout.maxSurge;
    const total = processorPods * 12 + fixture.xcresultProcessor.replicas * DEFAULT_DATABASE_POOL_SIZE;
    const max = Number(fixture.pooler.parameters.max_client_conn ?? PGBOUNCER_DEFAULTS.max_client_conn);
    expect(total).toBeGreaterThan(max);
    const failure = expectOnlyFailure(run, 'scheduling.pgbouncer-clients', 'production');
    expect(failure.message).toContain(`open up to ${total} client connections`);
    expect(failure.message).toContain(`${processorPods} Pod(s) × 12`);
    expect(failure.message).toContain(`max_client_conn ${max}`);
    expect(failure.fix).toContain(`at least ${total}`);
  });

  test('fails when the poolers\' server connections exceed max_connections less the reserve', () => {
    const { fixture, run } = runWith((d) => { d.pooler.instances = 3; d.pooler.parameters.default_pool_size = '70'; });
    const available = fixture.database.maxConnections - fixture.database.reservedConnections;
    const failure = expectOnlyFailure(run, 'scheduling.pgbouncer-connections', 'production');
    expect(failure.message).toContain(`3 PgBouncer instance(s) × default_pool_size 70 = 210 server connections`);
    expect(failure.message).toContain(`max_connections ${fixture.database.maxConnections} less ${fixture.database.reservedConnections} reserved = ${available}`);
    expect(failure.fix).toContain(`at most ${Math.floor(available / 3)}`);
  });
});
