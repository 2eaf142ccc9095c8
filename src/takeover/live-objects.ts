/**
 * Reading the objects of the Helm release to adopt: a directory of YAML or JSON files as
 * `helm template` prints them or `kubectl get -o yaml` exports them (a `kind: List` is
 * unpacked). Each object is normalized to what a manifest says: server-populated fields and
 * Helm's own bookkeeping are dropped, and what was dropped is listed, so the comparison shows
 * only what the takeover changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../synth/manifests';

/** Bad input (a missing directory, a file that is not YAML): printed as is, exit 1. */
export class TakeoverInputError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'TakeoverInputError';
  }
}

/** Fields the API server writes; never in a manifest, never a change we make. */
export const SERVER_FIELDS: readonly (readonly string[])[] = [
  ['status'],
  ['metadata', 'uid'],
  ['metadata', 'resourceVersion'],
  ['metadata', 'managedFields'],
  ['metadata', 'creationTimestamp'],
  ['metadata', 'generation'],
  ['metadata', 'selfLink'],
];

/** Annotations the server or kubectl write. */
export const SERVER_ANNOTATIONS: readonly string[] = ['deployment.kubernetes.io/revision', 'kubectl.kubernetes.io/last-applied-configuration'];

/**
 * Helm's bookkeeping, which our objects do not carry: the known, listed difference of a
 * takeover (after it, `helm` no longer claims the objects).
 */
export const HELM_LABELS: readonly string[] = ['app.kubernetes.io/managed-by', 'helm.sh/chart'];
export const HELM_ANNOTATIONS: readonly string[] = ['meta.helm.sh/release-name', 'meta.helm.sh/release-namespace', 'helm.sh/resource-policy'];

export interface LiveObject {
  readonly file: string;
  readonly object: KubeObject;
  /** `metadata.labels["…"]: value`, for every Helm label or annotation dropped. */
  readonly helmMetadata: readonly string[];
}

const KNOWN_SUFFIXES = /\.(ya?ml|json)$/;

/** Every object below `dir`, normalized. Throws a TakeoverInputError naming the file when one cannot be read. */
export function readLiveObjects(dir: string): LiveObject[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new TakeoverInputError(`--from ${JSON.stringify(dir)} is not a directory. Fix: pass the directory \`helm template\` wrote (--output-dir) or where you saved \`kubectl get -o yaml\`.`);
  }
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (KNOWN_SUFFIXES.test(entry.name)) files.push(child);
    }
  };
  walk('');
  if (files.length === 0) throw new TakeoverInputError(`--from ${JSON.stringify(dir)} holds no .yaml, .yml or .json file.`);
  return files.flatMap((file) => parseFile(file, fs.readFileSync(path.join(dir, file), 'utf8')).map((object) => normalize(file, object)));
}

function parseFile(file: string, content: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(content)) {
    if (document.errors.length > 0) throw new TakeoverInputError(`${file} is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      if (!isObject(item) || typeof item.kind !== 'string' || !isObject(item.metadata) || typeof item.metadata.name !== 'string') {
        throw new TakeoverInputError(`${file} holds a document that is not a Kubernetes object (no kind or metadata.name).`);
      }
      objects.push(item as unknown as KubeObject);
    }
  }
  return objects;
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A copy without server fields and Helm's bookkeeping, and what Helm metadata was dropped. */
export function normalize(file: string, input: KubeObject): LiveObject {
  const object = structuredClone(input) as Record<string, any>;
  for (const [first, ...rest] of SERVER_FIELDS) {
    if (rest.length === 0) delete object[first!];
    else if (isObject(object[first!])) delete object[first!][rest[0]!];
  }
  const helmMetadata: string[] = [];
  const strip = (map: Record<string, string> | undefined, keys: readonly string[], where: string, record: boolean): void => {
    if (map === undefined) return;
    for (const key of keys) {
      if (!(key in map)) continue;
      if (record) helmMetadata.push(`${where}["${key}"]: ${JSON.stringify(map[key])}`);
      delete map[key];
    }
  };
  const metadata = object.metadata as Record<string, any>;
  strip(metadata.labels, HELM_LABELS, 'metadata.labels', true);
  strip(metadata.annotations, HELM_ANNOTATIONS, 'metadata.annotations', true);
  strip(metadata.annotations, SERVER_ANNOTATIONS, 'metadata.annotations', false);
  // helm template copies the chart label onto pod templates too.
  const template = object.spec?.template?.metadata as Record<string, any> | undefined;
  strip(template?.labels, HELM_LABELS, 'spec.template.metadata.labels', true);
  for (const key of ['labels', 'annotations'] as const) if (isObject(metadata[key]) && Object.keys(metadata[key]).length === 0) delete metadata[key];
  return { file, object: object as KubeObject, helmMetadata };
}
