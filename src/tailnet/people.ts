/**
 * The people-owned part of a tailnet's policy: everything no environment's fragment says (other
 * systems' and humans' rules, capability grants, autoApprovers, nodeAttrs, postures, hosts,
 * unknown future sections). Offline runs prove the composed document against a committed
 * snapshot of it (`src/config/tailnet-people/<tailnet>.hujson`, written by `npm run
 * policy:import`); the Pulumi writer splits it off the live policy the same way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson } from './attribution';
import { composePolicy } from './compose';
import { canConnect } from './evaluate';
import { BASE_OWNER, type PolicyDocument, type PolicyFragment } from './policy';
import { parsePolicyHujson } from './render';
import { parseAclDestination, parsePortSpec, parseTestTarget, selectorKind } from './syntax';
import { diffPolicy } from '../diff/policy-diff';
import type { PolicySectionDiff } from '../diff/report';

/** A live entry an environment's fragment takes over (it says what the fragment says). */
export interface TakenOver {
  readonly path: string;
  readonly owner: string;
  readonly entry: unknown;
}

/** An explicit access of a taken-over rule that the fragments no longer grant. */
export interface LostAccess {
  readonly path: string;
  readonly src: string;
  readonly dst: string;
  readonly port: string;
}

/** The one environment all of `names` are tags of, when every name is a tag of the same environment. */
function environmentOf(names: readonly string[], fragments: readonly PolicyFragment[]): string | undefined {
  if (names.length === 0) return undefined;
  const owners = new Set(names.map((n) => (selectorKind(n) === 'tag' ? fragments.find((f) => f.owner !== BASE_OWNER && f.tags.includes(n))?.owner : undefined)));
  return owners.size === 1 ? [...owners][0] : undefined;
}

const hasOnly = (entry: object, fields: readonly string[]): boolean => Object.keys(entry).every((k) => fields.includes(k));

/**
 * Which environment, if any, a live entry belongs to: an entry of our own kinds (a plain grant
 * or ACL, an `accept` SSH rule, a test) between the tags of one environment only. Anything
 * else (a capability, a posture, a route, a person, an autogroup, an address, two
 * environments) is people-owned.
 */
export function environmentEntryOwner(section: string, entry: unknown, fragments: readonly PolicyFragment[]): string | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  switch (section) {
    case 'grants': return hasOnly(e, ['src', 'dst', 'ip']) ? environmentOf([...list(e.src), ...list(e.dst)], fragments) : undefined;
    case 'acls': {
      if (!hasOnly(e, ['action', 'src', 'dst', 'proto']) || e.action !== 'accept') return undefined;
      const hosts = list(e.dst).map((d) => { const p = parseAclDestination(d); return p.ok ? p.value.host : d; });
      return environmentOf([...list(e.src), ...hosts], fragments);
    }
    case 'ssh': return hasOnly(e, ['action', 'src', 'dst', 'users']) && e.action === 'accept' ? environmentOf([...list(e.src), ...list(e.dst)], fragments) : undefined;
    case 'tests': {
      const hosts = [...list(e.accept), ...list(e.deny)].map((t) => { const p = parseTestTarget(t); return p.ok ? p.value.host : t; });
      return hasOnly(e, ['src', 'proto', 'accept', 'deny']) ? environmentOf([String(e.src), ...hosts], fragments) : undefined;
    }
    case 'sshTests': return hasOnly(e, ['src', 'dst', 'accept', 'check', 'deny']) ? environmentOf([String(e.src), ...list(e.dst)], fragments) : undefined;
    default: return undefined;
  }
}

/**
 * Splits a policy (exported from the admin console, or live) into the people-owned part and
 * what the fragments take over: the tag owners of the fragments' tags, entries equal to a
 * fragment's, and entries between one environment's own tags. Also lists every explicit
 * (source, destination, port) of a taken-over rule that the fragments do not grant any more.
 */
export function splitPeopleOwned(live: PolicyDocument, fragments: readonly PolicyFragment[]): { people: PolicyDocument; takenOver: TakenOver[]; lost: LostAccess[] } {
  const people = structuredClone(live);
  const takenOver: TakenOver[] = [];
  const fragmentKeys = new Map<string, string>();
  for (const f of fragments) for (const key of [...Object.keys(f.tagOwners), ...f.tags]) fragmentKeys.set(key, f.owner);
  for (const section of ['groups', 'tagOwners'] as const) {
    const map = people[section] as Record<string, unknown> | undefined;
    if (map === undefined) continue;
    for (const key of Object.keys(map)) {
      const owner = fragments.find((f) => key in f[section])?.owner ?? (section === 'tagOwners' ? fragmentKeys.get(key) : undefined);
      if (owner === undefined) continue;
      takenOver.push({ path: `${section}[${JSON.stringify(key)}]`, owner, entry: map[key] });
      delete map[key];
    }
  }
  const fragmentEntries = new Map<string, string>();
  for (const f of fragments) for (const s of ['grants', 'ssh', 'tests', 'sshTests'] as const) for (const e of f[s]) fragmentEntries.set(`${s}|${canonicalJson(e)}`, f.owner);
  for (const section of ['grants', 'acls', 'ssh', 'tests', 'sshTests'] as const) {
    const entries = people[section] as unknown[] | undefined;
    if (!Array.isArray(entries)) continue;
    const kept: unknown[] = [];
    entries.forEach((entry, index) => {
      const owner = fragmentEntries.get(`${section}|${canonicalJson(entry)}`) ?? environmentEntryOwner(section, entry, fragments);
      if (owner === undefined) kept.push(entry);
      else takenOver.push({ path: `${section}[${index}]`, owner, entry });
    });
    (people as Record<string, unknown>)[section] = kept;
  }
  return { people, takenOver, lost: lostAccess(takenOver, fragments) };
}

/** The explicit ports of taken-over network rules that the fragments alone do not open. */
function lostAccess(takenOver: readonly TakenOver[], fragments: readonly PolicyFragment[]): LostAccess[] {
  const base = fragments.find((f) => f.owner === BASE_OWNER) ?? { owner: BASE_OWNER, tags: [], groups: {}, tagOwners: {}, grants: [], ssh: [], tests: [], sshTests: [] };
  const own = composePolicy(undefined as never, base, fragments.filter((f) => f.owner !== BASE_OWNER));
  const lost: LostAccess[] = [];
  for (const t of takenOver) {
    const section = t.path.slice(0, t.path.indexOf('['));
    const e = t.entry as { src?: string[]; dst?: string[]; ip?: string[]; proto?: string };
    const targets: { dst: string; port: string; proto: 'tcp' | 'udp'; n: number }[] = [];
    if (section === 'grants') {
      for (const dst of e.dst ?? []) for (const spec of e.ip ?? []) {
        const parsed = parsePortSpec(spec);
        if (parsed.ok) for (const r of parsed.value) for (const n of new Set([r.from, r.to])) targets.push({ dst, port: spec, proto: r.proto, n });
      }
    } else if (section === 'acls') {
      for (const d of e.dst ?? []) {
        const parsed = parseAclDestination(d);
        if (parsed.ok) for (const r of parsed.value.ports) for (const n of new Set([r.from, r.to])) targets.push({ dst: parsed.value.host, port: `tcp:${n}`, proto: 'tcp', n });
      }
    } else continue;
    for (const src of e.src ?? []) for (const t2 of targets) {
      if (!canConnect(own, src, t2.dst, t2.proto, t2.n).allowed) lost.push({ path: t.path, src, dst: t2.dst, port: `${t2.proto}:${t2.n}` });
    }
  }
  return lost;
}

/** Where a tailnet's people-owned snapshot is committed. */
export function peopleSnapshotFile(tailnet: string, root = repositoryRoot()): string {
  return path.join(root, 'src', 'config', 'tailnet-people', `${tailnet}.hujson`);
}

/** The repository root: the nearest directory above this module holding package.json (works from src/ and from the .build/ bundle). */
export function repositoryRoot(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** The committed people-owned part of a tailnet, or undefined when none was imported. */
export function readPeopleSnapshot(tailnet: string, root = repositoryRoot()): PolicyDocument | undefined {
  const file = peopleSnapshotFile(tailnet, root);
  if (!fs.existsSync(file)) return undefined;
  return parsePolicyHujson(fs.readFileSync(file, 'utf8'), path.relative(root, file)) as PolicyDocument;
}

/** The snapshot file's text: a header saying what it is and how to refresh it, then the document. */
export function renderPeopleSnapshot(tailnet: string, people: PolicyDocument, source: string): string {
  return [
    `// People-owned part of the policy of tailnet "${tailnet}": every entry no environment's fragment says.`,
    `// Imported by \`npm run policy:import -- ${source}\` from a policy exported from the admin console.`,
    '// Offline runs (synth, check, diff) compose and prove the policy against it; preview compares it with live.',
    '// Do not edit by hand: change the policy in the admin console, export it and import it again.',
    JSON.stringify(people, null, 2),
    '',
  ].join('\n');
}

/**
 * How the live people-owned part differs from the committed snapshot, section by section (empty
 * when they agree): what a preview reports as drift, with the fix of importing again.
 */
export function peopleDrift(snapshot: PolicyDocument, livePeople: PolicyDocument): PolicySectionDiff[] {
  return diffPolicy(snapshot as Record<string, unknown>, livePeople as Record<string, unknown>);
}
