/**
 * A direct YAML emitter for the plain JSON we render (maps, lists, strings, finite numbers,
 * booleans, null), byte for byte what `yaml`'s `stringify(value, YAML_OPTIONS)` prints: it skips
 * the library's node tree, which was most of the build's time at 100 environments. It covers
 * the common case only. Any value outside it (a string with a line break, a control or
 * surrogate character or a document marker, a very long key, `undefined`, a non-finite
 * number, a class instance, …) makes `emitYaml` return undefined, and the caller lets the
 * library render the whole document. test/synth/yaml-emitter.test.ts compares both on
 * generated values; the snapshots and `synth --check` compare them on the real output.
 */
import { Document, type DocumentOptions, type SchemaOptions, type ToStringOptions } from 'yaml';

/** No line folding (one line per change in a diff), no anchors for repeated objects. */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const satisfies DocumentOptions & SchemaOptions & ToStringOptions;

/** Thrown inside the emitter when the value leaves the supported subset; never escapes. */
const UNSUPPORTED: unique symbol = Symbol('unsupported');

/**
 * Characters a plain or quoted one-line scalar may hold here: anything but control characters,
 * line breaks and surrogates (the library escapes or block-quotes those; we hand them back).
 */
const SIMPLE_CHARACTERS = /^[\x20-\x7e\xa0-\ud7ff\ue000-\uffff]*$/;
/** The library's rule (stringifyString.ts, plainString) for strings that cannot be plain. */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Document markers, where the library's choice depends on the nesting: handed back. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/;
/** The library writes keys longer than this as explicit `? key` entries: handed back. */
const MAX_IMPLICIT_KEY = 1024;

let resolvesAsOtherType: ((text: string) => boolean) | undefined;

/** Whether a plain `text` would read back as a non-string (null, bool, int, float) in the default schema. */
function readsAsOtherType(text: string): boolean {
  if (resolvesAsOtherType === undefined) {
    // The library's own tag tests, so a new `yaml` release cannot disagree with us silently.
    const tags = new Document(null, YAML_OPTIONS).schema.tags.filter((t) => t.default === true && t.tag !== 'tag:yaml.org,2002:str' && t.test !== undefined);
    resolvesAsOtherType = (candidate) => tags.some((t) => t.test!.test(candidate));
  }
  return resolvesAsOtherType(text);
}

function emitString(value: string): string {
  if (!SIMPLE_CHARACTERS.test(value) || DOCUMENT_MARKER.test(value)) throw UNSUPPORTED;
  if (!NOT_PLAIN.test(value) && !readsAsOtherType(value)) return value;
  // The library's quotedString: single quotes only when that avoids escaping a double quote.
  if (value.includes('"') && !value.includes("'")) return `'${value}'`;
  return JSON.stringify(value);
}

function emitScalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return emitString(value);
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) throw UNSUPPORTED;
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null) return 'null';
      throw UNSUPPORTED;
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `value` as a collection's items, or undefined for a scalar. */
function collection(value: unknown): { kind: 'map'; keys: string[]; map: Record<string, unknown> } | { kind: 'seq'; seq: readonly unknown[] } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return { kind: 'seq', seq: value };
  if (!isPlainObject(value)) throw UNSUPPORTED;
  return { kind: 'map', keys: Object.keys(value), map: value };
}

type Items = NonNullable<ReturnType<typeof collection>>;

/** A non-empty collection at `indent`, its first line without the indentation. */
function emitCollection(items: Items, indent: string): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  if (items.kind === 'map') {
    for (const key of items.keys) {
      if (key.length > MAX_IMPLICIT_KEY) throw UNSUPPORTED;
      const value = items.map[key];
      const nested = collection(value);
      // Nested maps and lists (indentSeq) both start on the next line, two spaces in.
      if (nested === undefined) lines.push(`${emitString(key)}: ${emitScalar(value)}`);
      else if (isEmpty(nested)) lines.push(`${emitString(key)}: ${nested.kind === 'map' ? '{}' : '[]'}`);
      else lines.push(`${emitString(key)}:\n${inner}${emitCollection(nested, inner)}`);
    }
  } else {
    for (const value of items.seq) {
      const nested = collection(value);
      if (nested === undefined) lines.push(`- ${emitScalar(value)}`);
      else if (isEmpty(nested)) lines.push(`- ${nested.kind === 'map' ? '{}' : '[]'}`);
      else lines.push(`- ${emitCollection(nested, inner)}`);
    }
  }
  return lines.join(`\n${indent}`);
}

function isEmpty(items: Items): boolean {
  return items.kind === 'map' ? items.keys.length === 0 : items.seq.length === 0;
}

/**
 * `value` as the library would print it with YAML_OPTIONS, or undefined when it is outside
 * the subset this emitter covers (the caller then uses the library).
 */
export function emitYaml(value: unknown): string | undefined {
  try {
    const items = collection(value);
    if (items === undefined || isEmpty(items)) return undefined;
    return `${emitCollection(items, '')}\n`;
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
}
