/**
 * Where environments live in the repository: one file per environment, named after it, and
 * one registry listing them. set-image, new-environment and the configuration errors rely on it.
 */
import * as path from 'node:path';

/** The folder of the environment files, relative to the repository root. */
export const ENVIRONMENTS_DIR = path.join('src', 'config', 'environments');

/** The registry (`ENVIRONMENTS`), relative to the repository root. */
export const REGISTRY_FILE = path.join(ENVIRONMENTS_DIR, 'index.ts');

/** Where an environment's typed config lives, relative to the repository root. */
export function environmentFile(environment: string): string {
  return path.join(ENVIRONMENTS_DIR, `${environment}.ts`);
}
