/** A valid configuration's check input, and ways to break exactly one thing in it. */
import * as path from 'node:path';
import { defaultCrdCacheDir } from '../../src/checks/gate';
import { formatResult } from '../../src/checks/report';
import { type CheckRun, runChecks } from '../../src/checks/run';
import { type CrdCatalog, loadCrdCatalog } from '../../src/checks/schema/crd-catalog';
import { customResourceKinds } from '../../src/checks/schema/custom-resources';
import { DERIVED_CRDS_DIR } from '../../src/checks/schema/derive-crds';
import type { CheckInput, CheckResult } from '../../src/checks/types';
import { loadModel } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/types';
import { build } from '../../src/synth/build';
import { type DeepMutable, ENVIRONMENTS, staging, variant } from '../fixtures';

/** The CRDs of the releases the cluster runs, as `npm run import` derives them into the repository. */
export const CRDS_DIR = path.resolve(__dirname, '..', '..', DERIVED_CRDS_DIR);
/** Where they are derived from (docs/crds.md): beside the repository, absent on a bare clone. */
export const SHARED_CRDS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'crds');

export const committed = build(loadModel());

let catalog: CrdCatalog | undefined;
export function crdCatalog(): CrdCatalog {
  catalog ??= loadCrdCatalog(CRDS_DIR, customResourceKinds(committed.environments.flatMap((e) => e.objects)), { cacheDir: defaultCrdCacheDir() });
  return catalog;
}

/** The committed configuration's input, everything checks read replaceable. */
export function validInput(overrides: Partial<CheckInput> = {}): CheckInput {
  return {
    model: committed.model,
    environments: committed.environments.map(({ environment, objects }) => ({ environment, objects: structuredClone(objects) })),
    policies: structuredClone(committed.tailnets),
    crds: crdCatalog(),
    requireSchemas: true,
    ...overrides,
  };
}

/** Runs every check after `mutate` changed one environment's rendered objects (a deep copy). */
export function runBroken(environment: string, mutate: (objects: any[]) => void): CheckRun {
  const input = validInput();
  const target = input.environments.find((e) => e.environment.name === environment);
  if (target === undefined) throw new Error(`no environment ${environment}`);
  mutate(target.objects as any[]);
  return runChecks(input);
}

/** Runs every check with one environment's configuration changed but its objects as rendered. */
export function runWithConfig(environment: string, mutate: (draft: DeepMutable<EnvironmentConfig>) => void): CheckRun {
  const input = validInput();
  return runChecks({
    ...input,
    environments: input.environments.map((e) => (e.environment.name === environment ? { ...e, environment: variant(e.environment, mutate) } : e)),
  });
}

/** The one object of `kind` (and `name`) in a list of rendered objects. */
export function pick(objects: any[], kind: string, name?: string): any {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0];
}

/** Object names are the same in every environment (one release fullname); read them from the config. */
export { NAMES } from '../fixtures';
import { NAMES } from '../fixtures';
export const xcresult = (objects: any[]): any => pick(objects, 'Deployment', NAMES.xcresultProcessorDeployment);
export const linux = (objects: any[]): any => pick(objects, 'Deployment', NAMES.processorDeployment);
export const pooler = (objects: any[]): any => pick(objects, 'Pooler');
export const processorSecret = (objects: any[]): any => pick(objects, 'ExternalSecret', NAMES.processorSecret);
export const container = (deployment: any): any => deployment.spec.template.spec.containers[0];
export const env = (deployment: any, name: string): any => container(deployment).env.find((e: any) => e.name === name);

/**
 * Asserts that exactly one check failed, in one environment, and that its report line names
 * the environment and the fix. Returns the failure for further assertions.
 */
export function expectOnlyFailure(run: CheckRun, check: string, environment: string): CheckResult {
  const failed = run.results.filter((r) => r.status === 'fail');
  expect(failed.map((r) => `${r.check} @ ${r.environment}`)).toEqual([`${check} @ ${environment}`]);
  const result = failed[0]!;
  expect(result.fix).toEqual(expect.stringMatching(/\S/));
  const line = formatResult(result);
  expect(line).toContain(`  ${environment}  `);
  expect(line).toContain(`fix: ${result.fix}`);
  return result;
}

/** The result of one check in one environment. */
export function resultOf(run: CheckRun, check: string, environment: string): CheckResult {
  const found = run.results.find((r) => r.check === check && r.environment === environment);
  if (found === undefined) throw new Error(`no result of ${check} in ${environment}`);
  return found;
}



/**
 * A configuration validation accepts (it is self-consistent) but the gate refuses: staging's
 * VMs stay off the tailnet and read the in-cluster URL, which they cannot reach (the
 * reference deployment's incident).
 */
export const STAGING_WITHOUT_JOIN: readonly EnvironmentConfig[] = ENVIRONMENTS.map((e) => (
  e.name === 'staging'
    ? variant(staging, (d) => { d.xcresultProcessor.tailnetJoin = false; d.xcresultProcessor.databaseUrlSecretKey = 'processor-database-url'; })
    : e
));
