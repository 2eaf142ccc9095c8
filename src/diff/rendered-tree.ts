/**
 * Reads a rendered output tree (`dist/`, as a FileTree) back into what the diff compares:
 * each environment's Kubernetes objects keyed by `Kind/namespace/name`, each tailnet's policy
 * document, and the remaining files as text.
 */
import { parseAllDocuments } from 'yaml';
import { isPlainJson } from '../build-cache';
import { type EnvironmentManifests, type KubeObject, objectKey } from '../synth/manifests';
import { manifestPath } from '../synth/render';
import type { FileTree } from '../synth/output-tree';
import { parsePolicyHujson } from '../tailnet/render';

/** Top directory of the tailnet policies in `dist/`. */
export const TAILNET_DIR = 'tailnet';

export interface RenderedTree {
  /** Environment → object key → object. */
  readonly environments: ReadonlyMap<string, ReadonlyMap<string, RenderedObject>>;
  /** Tailnet name → parsed policy document. */
  readonly tailnets: ReadonlyMap<string, Record<string, unknown>>;
  /** Files read as text only (not manifests or policies, or unreadable ones), with why. */
  readonly others: ReadonlyMap<string, { readonly content: string; readonly note?: string }>;
}

export interface RenderedObject {
  readonly file: string;
  readonly object: KubeObject;
}

/**
 * What a file's content reads as, by content: the diff reads the base and the head with one
 * cache, so a file left unchanged is parsed once and both sides hold the same objects.
 */
export type ParseCache = Map<string, KubeObject[] | Record<string, unknown> | string>;

export function readRenderedTree(files: FileTree, cache: ParseCache = new Map()): RenderedTree {
  const environments = new Map<string, Map<string, RenderedObject>>();
  const tailnets = new Map<string, Record<string, unknown>>();
  const others = new Map<string, { content: string; note?: string }>();

  for (const [file, content] of files) {
    const parts = file.split('/');
    if (parts.length === 2 && parts[0] === TAILNET_DIR && file.endsWith('.hujson')) {
      const policy = cached(cache, `hujson\0${content}`, () => parsePolicy(content)) as Record<string, unknown> | string;
      if (typeof policy === 'string') others.set(file, { content, note: policy });
      else tailnets.set(parts[1]!.slice(0, -'.hujson'.length), policy);
    } else if (parts.length === 2 && parts[0] !== TAILNET_DIR && /\.ya?ml$/.test(file)) {
      const objects = cached(cache, `yaml\0${content}`, () => parseManifests(content)) as KubeObject[] | string;
      if (typeof objects === 'string') {
        others.set(file, { content, note: objects });
        continue;
      }
      const environment = parts[0]!;
      const byKey = environments.get(environment) ?? new Map<string, RenderedObject>();
      environments.set(environment, byKey);
      for (const object of objects) {
        let key = objectKey(object);
        // Two documents with one key would hide each other; keep both visible.
        for (let n = 2; byKey.has(key); n++) key = `${objectKey(object)} (#${n})`;
        byKey.set(key, { file, object });
      }
    } else {
      others.set(file, { content });
    }
  }
  return { environments, tailnets, others };
}

/**
 * Seeds `cache` with the objects of a build as the build made them, so no manifest the build
 * rendered is parsed, on either side: an object's YAML parses back to the object itself (the
 * diff's tests hold this for every rendered file).
 */
export function seedParseCache(cache: ParseCache, environments: readonly EnvironmentManifests[], files: FileTree): void {
  for (const manifests of environments) {
    for (const object of manifests.objects) {
      const content = files.get(manifestPath(manifests.environment.name, object));
      // Only an object JSON holds exactly round-trips (no `undefined` field, no class instance).
      if (content !== undefined && isPlainJson(object)) cache.set(`yaml\0${content}`, [object]);
    }
  }
}

function cached<T extends KubeObject[] | Record<string, unknown> | string>(cache: ParseCache, key: string, parse: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (value === undefined) {
    value = parse();
    cache.set(key, value);
  }
  return value;
}

/** The objects of a manifest file, or why it cannot be read. */
export function parseManifests(content: string): KubeObject[] | string {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(content)) {
    if (document.errors.length > 0) return `not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`;
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    const object = value as { kind?: unknown; metadata?: { name?: unknown } };
    if (typeof value !== 'object' || Array.isArray(value) || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      return 'not a Kubernetes object (no kind or metadata.name)';
    }
    objects.push(value as KubeObject);
  }
  return objects;
}

/** The policy document (HuJSON: JSON with comments and trailing commas), or why it cannot be read. */
function parsePolicy(content: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = parsePolicyHujson(content, 'not valid HuJSON');
  } catch (error) {
    return (error as Error).message;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a policy document (no top-level object)';
  return value as Record<string, unknown>;
}
