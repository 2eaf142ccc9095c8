/**
 * Which party a rule belongs to: the base, one environment, or nobody. The Pulumi program uses
 * this to tell its own rules from other environments' and to refuse to write over live content
 * nobody owns (console edits).
 */
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';
import { basePolicyFragment, environmentTags } from './fragments';
import { isolationTests } from './compose';
import {
  BASE_OWNER, type Grant, type PolicyDocument, type PolicyFragment, type PolicyTest, type SshRule, type SshTest,
} from './policy';
import { parseTestTarget, selectorKind } from './syntax';

/** Tag → owner (`base` or an environment's name). */
export type TagOwnership = ReadonlyMap<string, string>;

export function tagOwnership(fragments: readonly PolicyFragment[]): TagOwnership {
  return new Map(fragments.flatMap((f) => f.tags.map((tag) => [tag, f.owner] as const)));
}

/** The ownership the configuration declares for one tailnet, e.g. to attribute a live policy's rules. */
export function tagOwnershipOf(tailnet: TailnetConfig, environments: readonly EnvironmentConfig[]): TagOwnership {
  const own = environments.filter((env) => env.tailnet.tailnet === tailnet.name);
  return tagOwnership([
    basePolicyFragment(tailnet, own),
    ...own.map((env) => ({ owner: env.name, tags: environmentTags(env) }) as PolicyFragment),
  ]);
}

export type PolicyRule =
  | { readonly section: 'grants'; readonly rule: Grant }
  | { readonly section: 'ssh'; readonly rule: SshRule }
  | { readonly section: 'tests'; readonly rule: PolicyTest }
  | { readonly section: 'sshTests'; readonly rule: SshTest };

export type Attribution =
  | { readonly owner: string }
  | { readonly owner: undefined; readonly why: 'cross-environment' | 'unowned-tag'; readonly reason: string };

/**
 * The owner of a rule by the tags it names. Grants and SSH rules belong to the environment
 * whose tags they name on both sides; a test belongs to the environment whose destinations it
 * probes (a deny test may name a foreign source: that is its point). Naming two environments,
 * or a tag nobody owns, makes a rule nobody's.
 */
export function attributeRule(entry: PolicyRule, ownership: TagOwnership): Attribution {
  const tags = tagsOf(entry).filter((t) => selectorKind(t) === 'tag');
  const unknown = tags.filter((t) => !ownership.has(t));
  if (unknown.length > 0) return { owner: undefined, why: 'unowned-tag', reason: `names ${unknown.map((t) => JSON.stringify(t)).join(', ')}, which no environment or the base owns` };
  const owners = [...new Set(tags.map((t) => ownership.get(t)!))];
  const environments = owners.filter((o) => o !== BASE_OWNER);
  if (environments.length > 1) return { owner: undefined, why: 'cross-environment', reason: `names tags of several environments (${environments.join(', ')})` };
  return { owner: environments[0] ?? BASE_OWNER };
}

function tagsOf(entry: PolicyRule): string[] {
  switch (entry.section) {
    case 'grants':
    case 'ssh':
      return [...entry.rule.src, ...entry.rule.dst];
    case 'tests': {
      const hosts = [...(entry.rule.accept ?? []), ...(entry.rule.deny ?? [])].map((target) => {
        const parsed = parseTestTarget(target);
        return parsed.ok ? parsed.value.host : target;
      });
      return (entry.rule.accept ?? []).length > 0 ? [entry.rule.src, ...hosts] : hosts;
    }
    case 'sshTests': {
      const grantsAccess = (entry.rule.accept ?? []).length + (entry.rule.check ?? []).length > 0;
      return grantsAccess ? [entry.rule.src, ...entry.rule.dst] : [...entry.rule.dst];
    }
  }
}

/** JSON with object keys sorted, so equal rules compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}

/**
 * The fragment that contains exactly this rule (or, for a test, whose isolation tests
 * contain it); undefined when no fragment does, e.g. a rule added in the admin console.
 */
export function fragmentOwnerOf(entry: PolicyRule, fragments: readonly PolicyFragment[]): string | undefined {
  const wanted = canonicalJson(entry.rule);
  const found = fragments.find((f) => (f[entry.section] as readonly unknown[]).some((r) => canonicalJson(r) === wanted));
  if (found) return found.owner;
  if (entry.section !== 'tests' && entry.section !== 'sshTests') return undefined;
  const isolation = isolationTests(fragments)[entry.section] as readonly unknown[];
  if (!isolation.some((r) => canonicalJson(r) === wanted)) return undefined;
  return (attributeRule(entry, tagOwnership(fragments)).owner);
}

/** Where an entry of a live document came from nobody: its section, index and why. */
export interface UnattributedEntry {
  readonly path: string;
  readonly reason: string;
}

/**
 * Entries of `live` that none of `fragments` produced: group and tag-owner declarations that
 * differ, and rules or tests no fragment holds. An empty list means `live` holds nothing but
 * what the fragments say (it may still lack some of their rules).
 */
export function unattributedEntries(live: PolicyDocument, fragments: readonly PolicyFragment[]): UnattributedEntry[] {
  const found: UnattributedEntry[] = [];
  for (const section of ['groups', 'tagOwners'] as const) {
    for (const [key, value] of Object.entries(live[section])) {
      const declared = fragments.find((f) => key in f[section]);
      if (!declared) found.push({ path: `${section}[${JSON.stringify(key)}]`, reason: 'no fragment declares it' });
      else if (canonicalJson(declared[section][key]) !== canonicalJson(value)) {
        found.push({ path: `${section}[${JSON.stringify(key)}]`, reason: `differs from fragment "${declared.owner}" (${JSON.stringify(declared[section][key])})` });
      }
    }
  }
  for (const section of ['grants', 'ssh', 'tests', 'sshTests'] as const) {
    (live[section] as readonly PolicyRule['rule'][]).forEach((rule, index) => {
      if (fragmentOwnerOf({ section, rule } as PolicyRule, fragments) === undefined) {
        found.push({ path: `${section}[${index}]`, reason: `no fragment holds ${canonicalJson(rule)}` });
      }
    });
  }
  return found;
}

/**
 * A policy document as the control plane holds it: plain JSON values, every section kept,
 * known or not (`acls`, `autoApprovers`, `nodeAttrs`, `postures`, whatever comes next).
 */
export type RawPolicy = Record<string, unknown>;

/**
 * One entry of a document, the unit of ownership: an element of an array section (`grants`,
 * `ssh`, `tests`, …), a key of an object section (`groups`, `postures`, …), one owner of a tag
 * in `tagOwners` (people and an environment may both own a tag), or a whole section of any
 * other shape (`randomizeClientPort`).
 */
export interface PolicyEntry {
  readonly section: string;
  /** The key in an object section (the tag, for a member); undefined for array elements and whole sections. */
  readonly key?: string;
  /** For a member: the owner. */
  readonly value: unknown;
  readonly kind: 'element' | 'key' | 'member' | 'section';
}

/** Object sections whose lists are owned member by member. */
export const MEMBER_SECTIONS: readonly string[] = ['tagOwners'];

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every entry of a document, in document order. */
export function policyEntries(doc: RawPolicy): PolicyEntry[] {
  return Object.entries(doc).flatMap(([section, value]): PolicyEntry[] => {
    if (Array.isArray(value)) return value.map((v) => ({ section, value: v, kind: 'element' }));
    if (isRecord(value)) {
      // A tag with no owners has no entries: nobody owns anything there.
      return Object.entries(value).flatMap(([key, v]): PolicyEntry[] => (MEMBER_SECTIONS.includes(section) && Array.isArray(v)
        ? v.map((member) => ({ section, key, value: member, kind: 'member' }))
        : [{ section, key, value: v, kind: 'key' }]));
    }
    return [{ section, value, kind: 'section' }];
  });
}

/** What makes two entries the same entry: an element by its whole value, a key by its name. */
export function entryId(entry: PolicyEntry): string {
  switch (entry.kind) {
    case 'element': return `${entry.section}\0=${canonicalJson(entry.value)}`;
    case 'key': return `${entry.section}\0:${entry.key}`;
    case 'member': return `${entry.section}\0:${entry.key}\0@${canonicalJson(entry.value)}`;
    case 'section': return `${entry.section}\0`;
  }
}

/** Fields that say which path or login an element is about (its payload is the rest: ports, users, …). */
const IDENTITY_FIELDS = ['action', 'src', 'dst', 'proto', 'target'];

/** Which rule an element is, regardless of its ports or users: pairs an entry's old and new version as "changed". */
export function entryIdentity(entry: PolicyEntry): string {
  if (entry.kind !== 'element' || !isRecord(entry.value)) return entryId(entry);
  const value = entry.value;
  return `${entry.section}\0~${canonicalJson(Object.fromEntries(IDENTITY_FIELDS.filter((f) => f in value).map((f) => [f, value[f]])))}`;
}

/** Where an entry is, for people: `grants[3]`, `tagOwners["tag:x"]`, `randomizeClientPort`. */
export function entryPath(entry: PolicyEntry, index?: number): string {
  switch (entry.kind) {
    case 'element': return `${entry.section}[${index ?? '+'}]`;
    case 'key': return `${entry.section}[${JSON.stringify(entry.key)}]`;
    case 'member': return `${entry.section}[${JSON.stringify(entry.key)}][${index ?? '+'}]`;
    case 'section': return entry.section;
  }
}

/** A fragment as raw sections: what its owner writes, without the bookkeeping (owner, tags) or empty sections. */
export function fragmentPolicy(fragment: PolicyFragment): RawPolicy {
  const { owner: _owner, tags: _tags, ...sections } = fragment;
  return Object.fromEntries(Object.entries(sections).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : Object.keys(v as object).length > 0)));
}
