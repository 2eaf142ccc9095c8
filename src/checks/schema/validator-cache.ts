/**
 * The CRD files' compiled validators, cached (src/build-cache/standalone-validators.ts): the
 * CloudNativePG Pooler CRD is 650 kB of YAML embedding a whole PodTemplateSpec, and parsing
 * and compiling it takes longer than all the rest of `npm run synth`. An entry is keyed by the
 * file's content, the schema conversion's version and ajv's; it also holds what the file says
 * about its CRDs, so a warm run neither parses the YAML nor compiles anything.
 */
import type { ValidateFunction } from 'ajv';
import { cachedValidators } from '../../build-cache';
import { type CrdDescription, compileCrdFile } from './compile-crds';
import { STRUCTURAL_CONVERSION_VERSION } from './structural-schema';

export interface LoadedCrdFile {
  readonly crds: readonly CrdDescription[];
  /** The file's validators by export name, loaded on first use. */
  readonly validators: () => Readonly<Record<string, ValidateFunction>>;
  /** A hash of what the validators are compiled from. */
  readonly id: string;
}

/** The CRDs of one file and their validators: from the cache when it holds this content, else compiled (and cached). */
export function loadCrdFile(text: string, file: string, cacheDir: string | undefined): LoadedCrdFile {
  const loaded = cachedValidators(cacheDir, file, `${STRUCTURAL_CONVERSION_VERSION}\0${text}`, () => {
    const compiled = compileCrdFile(text, file);
    return { meta: compiled.crds, validators: compiled.validators, standalone: compiled.standalone };
  });
  return { crds: loaded.meta, validators: loaded.validators, id: loaded.id };
}
