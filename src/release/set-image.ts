/**
 * Releasing an image: pin a component's tag in one environment's typed config, then
 * re-synthesize `dist/`. The tag rules are the configuration's own (src/config/validate.ts:
 * never floating; semver or a digest for canary and production), checked before anything is
 * written; a failed synthesis puts the file back, so nothing is left half-done.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPONENTS } from '../config/names';
import { environmentFile } from '../config/registry';
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';
import { type ConfigProblem, formatProblem, validateEnvironment } from '../config/validate';
import { ImageTagEditError, rewriteImageTag } from './image-tag-edit';

/** Components with a released image: CLI name (src/config/names.ts) → key of the environment config. */
export const RELEASABLE_COMPONENTS = {
  [COMPONENTS.processor]: 'processor',
  [COMPONENTS.xcresultProcessor]: 'xcresultProcessor',
} as const satisfies Record<string, keyof EnvironmentConfig>;
export type ReleasableComponent = keyof typeof RELEASABLE_COMPONENTS;

export function isReleasableComponent(name: string): name is ReleasableComponent {
  return Object.hasOwn(RELEASABLE_COMPONENTS, name);
}

export { environmentFile };

export interface SetImageRequest {
  /** Repository root (holds src/config/environments/). */
  readonly root: string;
  readonly environment: EnvironmentConfig;
  readonly tailnets: readonly TailnetConfig[];
  readonly component: ReleasableComponent;
  readonly tag: string;
  /** Re-synthesizes `dist/` from the files on disk (a fresh process); returns its exit code. */
  readonly synthesize: () => number;
}

export type SetImageResult =
  | { readonly outcome: 'refused'; readonly problems: readonly string[] }
  | { readonly outcome: 'unchanged'; readonly file: string }
  | { readonly outcome: 'synth-failed'; readonly file: string; readonly exitCode: number }
  | { readonly outcome: 'pinned'; readonly file: string; readonly previous: string };

/** The problems with pinning `tag`, by the same rules `npm run synth` applies; empty when allowed. */
export function tagProblems(environment: EnvironmentConfig, tailnets: readonly TailnetConfig[], component: ReleasableComponent, tag: string): string[] {
  const key = RELEASABLE_COMPONENTS[component];
  const field = `${key}.image.tag`;
  const candidate: EnvironmentConfig = { ...environment, [key]: { ...environment[key], image: { ...environment[key].image, tag } } };
  return validateEnvironment(candidate, tailnets).filter((p: ConfigProblem) => p.path === field).map(formatProblem);
}

export function setImage(request: SetImageRequest): SetImageResult {
  const { environment, component, tag } = request;
  const problems = tagProblems(environment, request.tailnets, component, tag);
  if (problems.length > 0) return { outcome: 'refused', problems };

  const file = environmentFile(environment.name);
  const absolute = path.join(request.root, file);
  if (!fs.existsSync(absolute)) {
    throw new ImageTagEditError(`${file} does not exist under ${request.root}; set-image edits the file named after the environment. Fix: keep environment "${environment.name}" in ${file}.`);
  }
  const original = fs.readFileSync(absolute, 'utf8');
  const edit = rewriteImageTag(original, file, environment.name, RELEASABLE_COMPONENTS[component], tag);
  if (edit.previous === tag) return { outcome: 'unchanged', file };

  writeAtomically(absolute, edit.text);
  let exitCode: number;
  try {
    exitCode = request.synthesize();
  } catch (error) {
    writeAtomically(absolute, original);
    throw error;
  }
  if (exitCode !== 0) {
    writeAtomically(absolute, original);
    return { outcome: 'synth-failed', file, exitCode };
  }
  return { outcome: 'pinned', file, previous: edit.previous };
}

/** Replaces the file in one rename, keeping its mode: readers see the old or the new text, never half. */
function writeAtomically(file: string, text: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, text, { mode: fs.statSync(file).mode });
  fs.renameSync(temporary, file);
}
