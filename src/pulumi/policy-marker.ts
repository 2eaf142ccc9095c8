/**
 * Ownership markers: which entries of a tailnet's policy an environment's stack wrote.
 *
 * One HuJSON comment line per environment, at the top of the document. Tailscale keeps the
 * policy file's comments: the API stores and returns the HuJSON text as written
 * (tailscale/tailscale-client-go-v2 policyfile.go, `Raw` reads it back under
 * `application/hujson`), and the admin console edits that same text.
 *
 * A marker lists the entries (their values) and carries an HMAC-SHA256 over them, keyed with
 * the environment's own secret (stack secret config `policyOwnershipKey`, which lives only in
 * Pulumi's encrypted stack configuration and state). Whoever edits the policy in the console
 * can read the marker, but cannot compute a valid MAC for other content: an edited entry no
 * longer matches its marker, and an edited or forged marker fails its MAC.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MEMBER_SECTIONS, type PolicyEntry, canonicalJson, entryId } from '../tailnet/attribution';

/** The marker's line prefix. */
export const MARKER_PREFIX = '// tuist-tailnet-pooler owner: ';

/**
 * Revision of the marker format and of the meaning of what the stacks write. A program only
 * writes over markers of its own schema or older: newer code's writes are never reverted by
 * older code without a person deciding so.
 */
export const OWNERSHIP_SCHEMA = 1;

/** The key must be at least this long (32 random bytes, base64: 44 characters). */
export const MIN_KEY_LENGTH = 32;

export interface OwnershipMarker {
  readonly tailnet: string;
  readonly environment: string;
  readonly schema: number;
  /** Counts this environment's writes that changed the document. */
  readonly revision: number;
  /** The entries the environment owns, as written. */
  readonly entries: readonly MarkedEntry[];
  /** HMAC-SHA256 (hex) of everything above, keyed with the environment's ownership key. */
  readonly mac: string;
}

/** `[section, key, value]` for a key of an object section, `[section, null, value]` otherwise. */
export type MarkedEntry = readonly [string, string | null, unknown];

export function markedEntry(entry: PolicyEntry): MarkedEntry {
  return [entry.section, entry.key ?? null, entry.value];
}

export function entryOfMarked(marked: MarkedEntry, kindOf: (section: string) => PolicyEntry['kind']): PolicyEntry {
  const [section, key, value] = marked;
  if (key === null) return { section, value, kind: kindOf(section) };
  return { section, key, value, kind: MEMBER_SECTIONS.includes(section) && !Array.isArray(value) ? 'member' : 'key' };
}

/** A marker line found in a policy text. */
export interface FoundMarker {
  /** 0-based line number in the text. */
  readonly line: number;
  readonly text: string;
  readonly marker: OwnershipMarker | { readonly malformed: string; readonly environment?: string };
}

function macOf(fields: Omit<OwnershipMarker, 'mac'>, key: string): string {
  const entries = [...fields.entries].map((e) => canonicalJson(e)).sort();
  const payload = canonicalJson({ tailnet: fields.tailnet, environment: fields.environment, schema: fields.schema, revision: fields.revision, entries });
  return createHmac('sha256', key).update(payload).digest('hex');
}

export function signMarker(fields: Omit<OwnershipMarker, 'mac'>, key: string): OwnershipMarker {
  return { ...fields, mac: macOf(fields, key) };
}

/** True when the marker's MAC is the one `key` gives for its content. */
export function markerIsAuthentic(marker: OwnershipMarker, key: string): boolean {
  const expected = Buffer.from(macOf(marker, key), 'hex');
  const actual = Buffer.from(marker.mac, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function renderMarker(marker: OwnershipMarker): string {
  const { tailnet, environment, schema, revision, entries, mac } = marker;
  return `${MARKER_PREFIX}${JSON.stringify({ tailnet, environment, schema, revision, entries, mac })}`;
}

/** Every marker line of a policy text, parsed or reported malformed. */
export function findMarkers(hujson: string): FoundMarker[] {
  return hujson.split('\n').flatMap((text, line): FoundMarker[] => {
    const trimmed = text.trim();
    if (!trimmed.startsWith(MARKER_PREFIX.trim())) return [];
    return [{ line, text, marker: parseMarker(trimmed.slice(MARKER_PREFIX.trim().length).trim()) }];
  });
}

function parseMarker(json: string): FoundMarker['marker'] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { malformed: 'is not JSON' };
  }
  const v = (value ?? {}) as Record<string, unknown>;
  const environment = typeof v.environment === 'string' ? v.environment : undefined;
  const entriesOk = Array.isArray(v.entries) && v.entries.every((e) => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && (e[1] === null || typeof e[1] === 'string'));
  if (typeof v.tailnet !== 'string' || environment === undefined || !Number.isInteger(v.schema) || !Number.isInteger(v.revision)
    || (v.revision as number) < 1 || !entriesOk || typeof v.mac !== 'string' || !/^[0-9a-f]{64}$/.test(v.mac)) {
    return { malformed: 'lacks one of tailnet, environment, schema, revision (≥ 1), entries, mac', ...(environment === undefined ? {} : { environment }) };
  }
  return { tailnet: v.tailnet, environment, schema: v.schema as number, revision: v.revision as number, entries: v.entries as MarkedEntry[], mac: v.mac };
}

/** Entry ids of a marker, to tell its entries from everyone else's. */
export function markerEntryIds(marker: OwnershipMarker, kindOf: (section: string) => PolicyEntry['kind']): Set<string> {
  return new Set(marker.entries.map((e) => entryId(entryOfMarked(e, kindOf))));
}
