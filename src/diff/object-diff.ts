/**
 * Field-level difference of two JSON values (two versions of one Kubernetes object, or one
 * policy value), computed by microdiff and put in words: readable paths, values redacted.
 */
import microdiff from 'microdiff';
import type { FieldChange } from './report';
import { redactTree } from './redact';

/**
 * Keys that identify the members of a list, as Kubernetes' strategic merge does: containers,
 * env vars, ports and volumes by `name`, ESO `data` entries by `secretKey`. Keyed lists are
 * compared member by member, so inserting an env var shows as one added var, not as every
 * following index changed.
 */
const MERGE_KEYS = ['name', 'secretKey'] as const;

/** Marks an object that stands for a keyed list; never a key of real (YAML or JSON) data. */
const KEYED = '\u0000keyed:';

type Json = unknown;

/** Converts keyed lists into objects keyed by `KEYED<mergeKey>=<value>`, recursively. */
function normalize(value: Json): Json {
  if (Array.isArray(value)) {
    const mergeKey = MERGE_KEYS.find((k) => isKeyedBy(value, k));
    const items = value.map(normalize);
    if (mergeKey === undefined) return items;
    return Object.fromEntries(value.map((item, i) => [`${KEYED}${mergeKey}=${(item as Record<string, string>)[mergeKey]}`, items[i]]));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

function isKeyedBy(list: readonly Json[], key: string): boolean {
  const seen = new Set<string>();
  for (const item of list) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return false;
    const id = (item as Record<string, unknown>)[key];
    if (typeof id !== 'string' || seen.has(id)) return false;
    seen.add(id);
  }
  return list.length > 0;
}

/** Turns normalized keyed lists back into lists, for printing a value. */
function denormalize(value: Json): Json {
  if (Array.isArray(value)) return value.map(denormalize);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length > 0 && entries.every(([k]) => k.startsWith(KEYED))) return entries.map(([, v]) => denormalize(v));
  return Object.fromEntries(entries.map(([k, v]) => [k, denormalize(v)]));
}

/** `spec.template.spec.containers[name=app].env[name=DATABASE_URL].valueFrom`, `metadata.annotations["tailscale.com/expose"]`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment.startsWith(KEYED)) out += `[${segment.slice(KEYED.length)}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function isPlainObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * An added or removed map becomes one change per entry (each annotation, each label), which
 * reads better than one JSON blob; a member of a keyed list (an env var, a container) stays
 * one change, and so do plain lists.
 */
function leaves(path: readonly (string | number)[], value: Json): [readonly (string | number)[], Json][] {
  const last = path[path.length - 1];
  const isMember = typeof last === 'string' && last.startsWith(KEYED);
  if (isMember || !isPlainObject(value) || Object.keys(value).length === 0) return [[path, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves([...path, k], v));
}

function at(root: Json, path: readonly (string | number)[]): Json {
  let node = root;
  for (const segment of path) node = (node as Record<string | number, Json>)[segment];
  return node;
}

/**
 * Every field that differs between `before` and `after`, in microdiff's order (document
 * order). Values are taken from redacted copies of both sides, so a changed secret shows as
 * `[REDACTED]` → `[REDACTED]`: the change is visible, the value is not.
 */
export function diffFields(before: Json, after: Json): FieldChange[] {
  const rawBefore = normalize(before);
  const rawAfter = normalize(after);
  // Normalized first, then redacted: both copies have the same shape as the raw ones.
  const shownBefore = redactTree(rawBefore);
  const shownAfter = redactTree(rawAfter);
  const changes: FieldChange[] = [];
  for (const difference of microdiff(rawBefore as Record<string, unknown>, rawAfter as Record<string, unknown>)) {
    if (difference.type === 'CHANGE') {
      const b = at(shownBefore, difference.path);
      const a = at(shownAfter, difference.path);
      if (isPlainObject(b) !== isPlainObject(a)) {
        // A map replaced by a scalar (or back) reads best as removal plus addition.
        changes.push(...leaves(difference.path, b).map(([p, v]) => removed(p, v)));
        changes.push(...leaves(difference.path, a).map(([p, v]) => added(p, v)));
      } else {
        changes.push({ path: formatPath(difference.path), change: 'changed', before: denormalize(b), after: denormalize(a) });
      }
    } else if (difference.type === 'CREATE') {
      changes.push(...leaves(difference.path, at(shownAfter, difference.path)).map(([p, v]) => added(p, v)));
    } else {
      changes.push(...leaves(difference.path, at(shownBefore, difference.path)).map(([p, v]) => removed(p, v)));
    }
  }
  return changes;
}

function added(path: readonly (string | number)[], value: Json): FieldChange {
  return { path: formatPath(path), change: 'added', after: denormalize(value) };
}

function removed(path: readonly (string | number)[], value: Json): FieldChange {
  return { path: formatPath(path), change: 'removed', before: denormalize(value) };
}
