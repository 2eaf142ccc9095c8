/**
 * The checks as a gate in front of `dist/`: what `npm run check` and
 * `npm run synth` share (where the CRDs are, running everything on a build). Their command-line
 * options are src/cli/support/check-options.ts.
 */
import * as path from 'node:path';
import { buildCacheDir, repoRoot } from '../build-cache';
import type { Build } from '../synth/build';
import { loadCrdCatalog } from './schema/crd-catalog';
import { DERIVED_CRDS_DIR } from './schema/derive-crds';
import { customResourceKinds } from './schema/custom-resources';
import { REFUSAL_CHECKS, SCHEDULING_CHECKS } from './registry';
import { type CheckRun, combineRuns, runCheckList } from './run';

/**
 * Where the CRD schemas live by default, relative to the repository root: the ones derived
 * into the repository by `npm run import` from the releases the cluster runs (`--crds` reads others).
 */
export const DEFAULT_CRDS_DIR = DERIVED_CRDS_DIR;

export interface GateOptions {
  /** The CRD directory; relative paths are resolved against the repository root. */
  readonly crds?: string | undefined;
  readonly requireSchemas: boolean;
  /** Where compiled CRD validators are cached; undefined compiles in memory. */
  readonly cacheDir?: string | undefined;
}

/** The cache `npm run check`/`synth` use for compiled CRD validators (src/build-cache/locations.ts). */
export function defaultCrdCacheDir(): string | undefined {
  return buildCacheDir('crd-validators');
}

/**
 * Every check on a build: the gate `npm run check` reports and `npm run synth` obeys. The
 * path checks already ran in the build (for the diagrams); only the rest run here.
 */
export function runGate(result: Build, options: GateOptions): CheckRun {
  const crdsDir = path.resolve(repoRoot(), options.crds ?? DEFAULT_CRDS_DIR);
  const objects = result.environments.flatMap((e) => e.objects);
  const crds = loadCrdCatalog(crdsDir, customResourceKinds(objects), { cacheDir: options.cacheDir });
  const input = { model: result.model, environments: result.environments, policies: result.tailnets, crds, requireSchemas: options.requireSchemas };
  return combineRuns(result.pathProof, runCheckList(input, [...SCHEDULING_CHECKS, ...REFUSAL_CHECKS]));
}

/** The loud line printed when the schema check was skipped. */
export function schemaSkipWarning(run: CheckRun): string | undefined {
  const skipped = run.results.find((r) => r.check === 'schema.custom-resources' && r.status === 'skip');
  if (skipped === undefined) return undefined;
  return `warning: ${skipped.message} Pass --require-schemas to make this an error (CI does); docs/crds.md says how to obtain them.`;
}
