/**
 * The main job's pure core: from the validated model to every generated artifact, in memory.
 * Writing (and checking freshness of) `dist/` happens elsewhere, from this result.
 */
import { renderPathDiagrams } from '../checks/path-diagram';
import { PATH_CHECKS } from '../checks/registry';
import { type CheckRun, runCheckList } from '../checks/run';
import type { Model } from '../config/load';
import { buildTailnetPolicies } from '../tailnet/build';
import type { TailnetPolicy } from '../tailnet/policy';
import { renderTailnetFiles } from '../tailnet/render';
import { type EnvironmentManifests, synthesizeEnvironment } from './manifests';
import { type FileTree } from './output-tree';
import { renderEnvironmentManifests } from './render';

export interface Build {
  readonly model: Model;
  readonly environments: readonly EnvironmentManifests[];
  /** One verified policy per tailnet (its own tests pass, or the build throws a PolicyError). */
  readonly tailnets: readonly TailnetPolicy[];
  /** The path checks' results, which the diagrams draw and the gate reports (run once). */
  readonly pathProof: CheckRun;
  /** Every file of `dist/`, keyed by path relative to it. */
  readonly files: FileTree;
}

export function build(model: Model): Build {
  const environments = model.environments.map(synthesizeEnvironment);
  const tailnets = buildTailnetPolicies(model);
  const files = new Map<string, string>();
  for (const manifests of environments) {
    for (const [file, content] of renderEnvironmentManifests(manifests)) files.set(file, content);
  }
  for (const [file, content] of renderTailnetFiles(tailnets)) files.set(file, content);
  const pathInput = { model, environments, policies: tailnets };
  const pathProof = runCheckList(pathInput, PATH_CHECKS);
  for (const [file, content] of renderPathDiagrams(pathInput, pathProof)) files.set(file, content);
  return { model, environments, tailnets, pathProof, files: sortedTree(files) };
}

function sortedTree(files: Map<string, string>): FileTree {
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
