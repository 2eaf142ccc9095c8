/**
 * The CRD schemas of the operator releases the cluster runs, read from a directory (data kept
 * outside this repository, see docs/crds.md). Only the files that define a kind we
 * render are parsed and compiled (see validator-cache.ts for why that matters).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { CelNode } from './cel-rules';
import type { CrdVersion } from './compile-crds';
import { loadCrdFile } from './validator-cache';

export interface LoadedCrd {
  readonly group: string;
  readonly kind: string;
  /** Path relative to the catalog's directory. */
  readonly file: string;
  readonly versions: readonly CrdVersion[];
  /** The validator of a served version's schema, or undefined when that version is not served. */
  readonly validator: (version: string) => ValidateFunction | undefined;
  /** A hash of what the validators are compiled from (the file, the conversion, ajv): verdicts are cached under it. */
  readonly schemaId: string;
  /** A served version's schema pruned to its CEL rules and formats, or undefined when it has none. */
  readonly cel: (version: string) => CelNode | undefined;
}

export type CrdCatalog =
  | { readonly status: 'missing'; readonly dir: string }
  | {
    readonly status: 'loaded';
    readonly dir: string;
    /** Keyed by `group/Kind`. */
    readonly crds: ReadonlyMap<string, LoadedCrd>;
    /** Files that define a wanted kind but could not be read as CRDs, or define it twice. */
    readonly problems: readonly string[];
    /** Where compiled validators (and CEL verdicts) are cached, if anywhere. */
    readonly cacheDir?: string | undefined;
  };

export interface WantedKind {
  readonly group: string;
  readonly kind: string;
}

export interface CatalogOptions {
  /** Where compiled validators are cached; undefined compiles in memory. */
  readonly cacheDir?: string | undefined;
}

export function crdKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

function schemaFiles(dir: string, relative = ''): string[] {
  return fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((entry) => {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) return schemaFiles(dir, child);
    return /\.(ya?ml|json)$/.test(entry.name) ? [child] : [];
  }).sort();
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Loads the CRDs of the wanted kinds from `dir`. A file is parsed only when its text has a
 * `kind: <wanted kind>` line (YAML or JSON), which every CRD of that kind has in spec.names.
 */
export function loadCrdCatalog(dir: string, wanted: readonly WantedKind[], options: CatalogOptions = {}): CrdCatalog {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { status: 'missing', dir };
  const crds = new Map<string, LoadedCrd>();
  const problems: string[] = [];
  const kinds = [...new Set(wanted.map((w) => w.kind))];
  const wantedKeys = new Set(wanted.map((w) => crdKey(w.group, w.kind)));
  const namesWanted = new RegExp(`\\bkind["']?\\s*:\\s*["']?(${kinds.map(escapeRegExp).join('|')})["']?\\s*(,|}|$)`, 'm');
  for (const file of kinds.length === 0 ? [] : schemaFiles(dir)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    if (!namesWanted.test(text)) continue;
    let loaded;
    try {
      loaded = loadCrdFile(text, file, options.cacheDir);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    const { validators, id } = loaded;
    for (const crd of loaded.crds) {
      const key = crdKey(crd.group, crd.kind);
      if (!wantedKeys.has(key)) continue;
      const previous = crds.get(key);
      if (previous !== undefined) {
        problems.push(`${crd.group} ${crd.kind} is defined twice, in ${previous.file} and ${file}; keep only the release the cluster runs.`);
        continue;
      }
      crds.set(key, {
        group: crd.group,
        kind: crd.kind,
        file,
        versions: crd.versions,
        schemaId: id,
        validator: (version) => {
          const exportName = crd.versions.find((v) => v.name === version && v.served)?.exportName;
          return exportName === undefined ? undefined : validators()[exportName];
        },
        cel: (version) => crd.versions.find((v) => v.name === version && v.served)?.cel,
      });
    }
  }
  return { status: 'loaded', dir, crds, problems, cacheDir: options.cacheDir };
}
