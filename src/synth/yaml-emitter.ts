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
import { Document } from 'yaml';

/** No line folding (one line per change in a diff), no anchors for repeated objects. */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Thrown inside the emitter when the value leaves the supported subset; never escapes. */
const UNSUPPORTED: unique symbol = Symbol('unsupported');

/**
 * Characters a plain or quoted one-line scalar may hold here: anything but control characters,
 * line breaks (U+2028 and U+2029 included: the library's multiline regexes break lines there)
 * and surrogates (the library escapes or block-quotes those; we hand them back).
 */
const SIMPLE_CHARACTERS = /^[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\uffff]*$/;
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

/** Scalars repeat (keys, labels, names): each distinct string is classified once per process. */
const emittedStrings = new Map<string, string>();

function emitString(value: string): string {
  let emitted = emittedStrings.get(value);
  if (emitted === undefined) {
    emitted = classifyString(value);
    emittedStrings.set(value, emitted);
  }
  return emitted;
}

function classifyString(value: string): string {
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

/**
 * What follows a key's colon or a list item's dash: ` <scalar>`, ` {}`/` []` for an empty
 * collection, or a non-empty collection (on the next line at `inner` after a key).
 * Written as string concatenation without intermediate arrays: this runs once per value.
 */
function emitValue(value: unknown, inner: string, afterDash: boolean): string {
  if (value === null || typeof value !== 'object') return ` ${emitScalar(value)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    // A list item's nested collection starts on the dash's line; a key's on the next line.
    return `${afterDash ? ' ' : `\n${inner}`}${emitSeq(value, inner)}`;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw UNSUPPORTED;
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map);
  if (keys.length === 0) return ' {}';
  return `${afterDash ? ' ' : `\n${inner}`}${emitMap(map, keys, inner)}`;
}

/** A non-empty map at `indent`, its first line without the indentation. */
function emitMap(map: Record<string, unknown>, keys: readonly string[], indent: string): string {
  const inner = `${indent}  `;
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key.length > MAX_IMPLICIT_KEY) throw UNSUPPORTED;
    // Nested maps and lists (indentSeq) both start on the next line, two spaces in.
    out += `${i === 0 ? '' : `\n${indent}`}${emitString(key)}:${emitValue(map[key], inner, false)}`;
  }
  return out;
}

/** A non-empty list at `indent`, its first line without the indentation. */
function emitSeq(seq: readonly unknown[], indent: string): string {
  const inner = `${indent}  `;
  let out = '';
  for (let i = 0; i < seq.length; i++) {
    if (!(i in seq)) throw UNSUPPORTED;
    out += `${i === 0 ? '' : `\n${indent}`}-${emitValue(seq[i], inner, true)}`;
  }
  return out;
}

/**
 * `value` as the library would print it with YAML_OPTIONS, or undefined when it is outside
 * the subset this emitter covers (the caller then uses the library).
 */
export function emitYaml(value: unknown): string | undefined {
  try {
    if (value === null || typeof value !== 'object') return undefined;
    const text = emitValue(value, '', true);
    // Empty collections at the root print as `{}`/`[]` by the library.
    return text === ' {}' || text === ' []' ? undefined : `${text.slice(1)}\n`;
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
}
