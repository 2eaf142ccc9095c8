/**
 * What an environment's stack writes as its tailnet's policy (docs/decisions/0002): the live
 * document, as text, with only this environment's own entries added, changed or removed.
 *
 * A tailnet's policy has several owners. People own every entry our code does not generate
 * (other systems' rules, capability grants, `autoApprovers`, `nodeAttrs`, postures, sections
 * Tailscale adds next): they are kept exactly as live, comments and all, because the write
 * edits the live text in place (jsonc-parser `modify`) instead of rendering a new document.
 * Each environment owns the entries its stack wrote, listed in its ownership marker
 * (policy-marker.ts), signed with that environment's key.
 *
 * Adoption: on a policy no stack wrote yet, a live entry equal to one the environment
 * generates is taken over (nothing is rewritten), the rest stays people's, and the
 * environment's missing entries are added. Nothing is deleted that the environment did not
 * write.
 *
 * Plain functions of (intent, live text, key): the Pulumi component plans with them during
 * `preview`, the dynamic provider (policy-provider.ts) plans again against the newest live
 * document at write time.
 */
import { applyEdits, findNodeAtLocation, modify, type ParseError, parse, parseTree, printParseErrorCode, visit } from 'jsonc-parser';
import type { Model } from '../config/load';
import type { EnvironmentConfig } from '../config/types';
import {
  BASE_OWNER, type PolicyDocument, type PolicyEntry, type PolicyFragment, type RawPolicy, type RuleOwners, emptyDocument, isolationFindings, attributeRule, basePolicyFragment, canonicalJson,
  entryId, entryIdentity, entryPath, environmentPolicyFragment, fragmentPolicy, isolationTests, normalizeDocument, policyEntries,
  runPolicyTests, tagOwnership,
} from '../tailnet';
import { UserError } from '../errors/user-error';

import { splitPeopleOwned } from '../tailnet/people';
import { type PolicyGuardRule, checkPolicyGuard } from './guard-rails';
import {
  type FoundMarker, MIN_KEY_LENGTH, OWNERSHIP_SCHEMA, type OwnershipMarker, entryOfMarked, findMarkers, markedEntry,
  markerIsAuthentic, renderMarker, signMarker,
} from './policy-marker';

/**
 * What one environment's stack means to write: plain data, so the dynamic provider can plan
 * again at write time without the model.
 */
export interface WriteIntent {
  readonly tailnet: string;
  readonly environment: string;
  /** The environment's own entries, as raw sections. */
  readonly entries: RawPolicy;
  /**
   * Declarations several environments need (the base's groups and tags): added when missing,
   * owned by nobody once written (no environment removes what another may use), never
   * changed when live says otherwise.
   */
  readonly shared: RawPolicy;
  /** Every environment on the tailnet and the tags it owns: whose tag owners we never touch, and which paths cross. */
  readonly environments: Readonly<Record<string, readonly string[]>>;
  /** The tailnet's `enforceIsolation`: a rule opening a cross-environment path (people's too) refuses the write. */
  readonly enforceIsolation?: boolean;
}

/**
 * The one composition step: model → what `env`'s stack writes: the environment's fragment,
 * the shared base's declarations it needs, and the isolation tests that protect it, built by
 * the same functions synthesis composes with (src/tailnet/fragments.ts, compose.ts). The
 * people-owned part is not here: the writer keeps it from the live text, entry by entry, where
 * synthesis (composeTailnetPolicy) takes it from the committed snapshot.
 */
export function writeIntent(model: Model, env: EnvironmentConfig): WriteIntent {
  const tailnet = model.tailnets.find((t) => t.name === env.tailnet.tailnet);
  if (tailnet === undefined) throw new PolicyWriteError(`Environment "${env.name}" names tailnet "${env.tailnet.tailnet}", which src/config/tailnets.ts does not declare.`);
  const onTailnet = model.environments.filter((e) => e.tailnet.tailnet === tailnet.name);
  const base = basePolicyFragment(tailnet, onTailnet);
  const fragments = onTailnet.map((e) => environmentPolicyFragment(e, tailnet));
  const own = fragments.find((f) => f.owner === env.name)!;
  const ownership = tagOwnership([base, ...fragments]);
  const isolation = isolationTests([base, ...fragments]);
  const protects = (section: 'tests' | 'sshTests') => (rule: unknown): boolean =>
    attributeRule({ section, rule } as Parameters<typeof attributeRule>[0], ownership).owner === env.name;
  const entries = fragmentPolicy({
    ...own,
    tests: [...own.tests, ...isolation.tests.filter(protects('tests'))],
    sshTests: [...own.sshTests, ...isolation.sshTests.filter(protects('sshTests'))],
  });
  return {
    tailnet: tailnet.name,
    environment: env.name,
    entries,
    shared: fragmentPolicy(base),
    environments: Object.fromEntries([[BASE_OWNER, base.tags], ...fragments.map((f) => [f.owner, f.tags])]),
    enforceIsolation: tailnet.enforceIsolation,
  };
}

/** Thrown when the stack must not write the tailnet's policy; says why and how to proceed. */
export class PolicyWriteError extends UserError {}

/** What happens to one entry. "removed" only ever concerns the environment's own entries. */
export type EntryStatus = 'kept' | 'taken over' | 'added' | 'changed' | 'unchanged' | 'removed' | 'withheld';

export interface EntryChange {
  readonly status: EntryStatus;
  readonly path: string;
  /** `people`, this environment, or another environment (by its marker). */
  readonly owner: string;
  readonly value: unknown;
  /** For "changed": the value before. */
  readonly before?: unknown;
  readonly reason?: string;
}

/** A live rule that lets one environment's tag reach another's. */
export interface CrossEnvironmentPath {
  readonly path: string;
  readonly owner: string;
  readonly rule: unknown;
  /** `from → to` environment pairs it opens. */
  readonly opens: readonly string[];
  /** `allow` when proven; `unproven` when the rule may open it (posture, roles, routes). */
  readonly verdict: 'allow' | 'unproven';
}

export interface PolicyWrite {
  readonly tailnet: string;
  readonly environment: string;
  /** `adopting`: no marker of this environment live yet; `managed`: its marker verified. */
  readonly liveState: 'adopting' | 'managed';
  /** The marker this write leaves (unchanged when nothing changes). */
  readonly marker: OwnershipMarker;
  /** The text to write: the live text with this environment's edits. */
  readonly hujson: string;
  /** False when the live text already is this (nothing to write). */
  readonly changed: boolean;
  readonly entries: readonly EntryChange[];
  readonly crossEnvironment: readonly CrossEnvironmentPath[];
}

export interface PlanOptions {
  /** The revision this stack last wrote (from its Pulumi state); its marker must still be live. */
  readonly lastRevision?: number;
  /**
   * Read this environment's marker without checking its MAC. Only for `preview-offline` of a
   * copy of a live policy, which runs without the stack's key; a write always verifies.
   */
  readonly unverifiedMarkers?: boolean;
}

const PEOPLE = 'people';
const SHARED = 'shared';
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => canonicalJson(v) ?? String(v);

/** Parses a live policy text to plain values (HuJSON: comments, trailing commas). */
export function parseLivePolicy(hujson: string, source: string): RawPolicy {
  if (hujson.trim() === '') return {};
  const errors: ParseError[] = [];
  const value: unknown = parse(hujson, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) throw new PolicyWriteError(`${source}: HuJSON syntax error ${printParseErrorCode(errors[0]!.error)} at offset ${errors[0]!.offset}. Nothing was written.`);
  if (!isRecord(value)) throw new PolicyWriteError(`${source} is not a JSON object. Nothing was written.`);
  return value;
}

/**
 * Refuses a live text that names a key twice in one object: a parser keeps one of them (the
 * last, for jsonc-parser and Go's encoding/json), a person reading the console may believe
 * the other, and an edit would land on one of them only.
 */
function refuseDuplicateKeys(hujson: string, source: string): void {
  const open: Set<string>[] = [];
  visit(hujson, {
    onObjectBegin: () => { open.push(new Set()); },
    onObjectEnd: () => { open.pop(); },
    onObjectProperty: (property, offset) => {
      const keys = open[open.length - 1]!;
      if (keys.has(property)) {
        throw new PolicyWriteError(`${source} names the key ${JSON.stringify(property)} twice in one object (again at offset ${offset}); which one counts is up to the parser, and an edit would change only one. Nothing was written. Fix: remove one of them in the admin console.`);
      }
      keys.add(property);
    },
  }, { allowTrailingComma: true, disallowComments: false });
}

/**
 * The policy `intent.environment`'s stack writes over `liveHujson`, or a PolicyWriteError
 * saying why it must not (a console edit of one of its entries, a forged or newer marker,
 * another tailnet's policy, a guard rail).
 */
export function planPolicyWrite(intent: WriteIntent, liveHujson: string, key: string, options: PlanOptions = {}): PolicyWrite {
  const who = `Stack "${intent.environment}"`;
  if (key.length < MIN_KEY_LENGTH) {
    throw new PolicyWriteError(
      `${who}: the stack secret config policyOwnershipKey is ${key.length} characters long; at least ${MIN_KEY_LENGTH} are required. Nothing was written. ` +
      `Fix: pulumi config set --secret policyOwnershipKey "$(openssl rand -base64 32)" --stack ${intent.environment} (once per stack; never change it while the stack's marker is live).`,
    );
  }
  const source = `the live policy of tailnet "${intent.tailnet}"`;
  const live = parseLivePolicy(liveHujson, source);
  refuseDuplicateKeys(liveHujson, source);
  const kindOf = (section: string): PolicyEntry['kind'] => {
    const value = live[section] ?? intent.entries[section];
    return Array.isArray(value) ? 'element' : isRecord(value) ? 'key' : 'section';
  };
  const markers = findMarkers(liveHujson);
  const own = ownMarker(intent, markers, key, options);
  const others = markers.filter((m) => m.marker.environment !== intent.environment);
  const ownIds = new Set((own?.entries ?? []).map((e) => entryId(entryOfMarked(e, kindOf))));
  const otherOwner = new Map<string, string>();
  for (const m of others) {
    if ('malformed' in m.marker) continue;
    for (const e of m.marker.entries) otherOwner.set(entryId(entryOfMarked(e, kindOf)), m.marker.environment);
  }
  const liveEntries = policyEntries(live);
  const liveIds = new Map(liveEntries.map((e) => [entryId(e), e]));
  if (own !== undefined) refuseConsoleEdits(intent, own, liveIds, liveEntries, ownIds, otherOwner, kindOf);

  const desired = policyEntries(intent.entries);
  for (const entry of desired) {
    const id = entryId(entry);
    const claimant = otherOwner.get(id);
    if (claimant !== undefined) {
      throw new PolicyWriteError(`${who} would take over ${entryPath(entry)} ${show(entry.value)}, which environment "${claimant}" wrote (its marker lists it). Nothing was written. Fix: an environment generates only entries about its own tags (src/tailnet/fragments.ts).`);
    }
    const current = liveIds.get(id);
    if (entry.kind === 'key' && current !== undefined && !ownIds.has(id) && show(current.value) !== show(entry.value)) {
      throw new PolicyWriteError(
        `${who} generates ${entryPath(entry)} = ${show(entry.value)}, but the live policy holds ${show(current.value)} there, and that entry is people's. Nothing was written. ` +
        'Fix: make them agree: change the live entry in the admin console to what the code says, or change the code (src/config, src/tailnet) to what is live.',
      );
    }
  }

  // Compose the values first, to find the tests the whole document would fail.
  const wanted = new Map(desired.map((e) => [entryId(e), e]));
  const shared = policyEntries(intent.shared).filter((e) => !liveIds.has(entryId(e)) && !wanted.has(entryId(e)));
  const composed = composeValues(live, liveEntries, ownIds, [...desired, ...shared]);
  const withheld = testsToWithhold(composed, desired);
  for (const w of withheld) wanted.delete(entryId(w.entry));
  const final = composeValues(live, liveEntries, ownIds, [...wanted.values(), ...shared]);
  refuseBrokenPeopleTests(intent, live, final, new Set([...ownIds, ...otherOwner.keys()]));

  // Then the text: the live text with only this environment's edits.
  let text = liveHujson.trim() === '' ? '{}\n' : liveHujson;
  const changes: EntryChange[] = [];
  const removedOwn: PolicyEntry[] = [];
  for (const entry of [...liveEntries].reverse()) {
    const id = entryId(entry);
    if (!ownIds.has(id) || wanted.has(id)) continue;
    text = removeEntry(text, entry);
    removedOwn.push(entry);
  }
  const added: PolicyEntry[] = [];
  const shape = parseLivePolicy(text, 'policy');
  for (const entry of wanted.values()) {
    const id = entryId(entry);
    const current = liveIds.get(id);
    if (current !== undefined && show(current.value) === show(entry.value)) continue;
    text = setEntry(text, entry, shape);
    if (current === undefined) added.push(entry);
  }

  for (const entry of shared) text = setEntry(text, entry, shape);

  // What happened to each entry, for the preview (`live` and `final` are not edited any more).
  const positions = positionsOnce();
  liveEntries.forEach((entry) => {
    const id = entryId(entry);
    const index = indexIn(live, entry, positions);
    const path = entryPath(entry, index);
    const want = wanted.get(id);
    if (ownIds.has(id)) {
      if (want === undefined) {
        const replacement = added.find((a) => entryIdentity(a) === entryIdentity(entry));
        if (replacement !== undefined) changes.push({ status: 'changed', path, owner: intent.environment, value: replacement.value, before: entry.value });
        else changes.push({ status: 'removed', path, owner: intent.environment, value: entry.value, reason: 'the code no longer generates it' });
      } else if (show(want.value) !== show(entry.value)) changes.push({ status: 'changed', path, owner: intent.environment, value: want.value, before: entry.value });
      else changes.push({ status: 'unchanged', path, owner: intent.environment, value: entry.value });
    } else if (want !== undefined) {
      if (show(want.value) === show(entry.value)) changes.push({ status: 'taken over', path, owner: intent.environment, value: entry.value, reason: 'it says what the environment generates' });
      else changes.push({ status: 'changed', path, owner: intent.environment, value: want.value, before: entry.value, reason: `its key is the environment's own tag; taken over from ${PEOPLE}` });
    } else {
      changes.push({ status: 'kept', path, owner: otherOwner.get(id) ?? PEOPLE, value: entry.value });
    }
  });
  const changedValues = new Set(changes.filter((c) => c.status === 'changed').map((c) => show(c.value)));
  for (const entry of added) {
    if (changedValues.has(show(entry.value))) continue;
    changes.push({ status: 'added', path: entryPath(entry, indexIn(final, entry, positions)), owner: intent.environment, value: entry.value });
  }
  for (const entry of shared) changes.push({ status: 'added', path: entryPath(entry), owner: SHARED, value: entry.value, reason: 'a shared declaration; nobody owns it once written' });
  for (const w of withheld) changes.push({ status: 'withheld', path: entryPath(w.entry), owner: intent.environment, value: w.entry.value, reason: w.reason });

  const ownEntries = [...wanted.values()].map(markedEntry);
  const contentChanged = text !== (liveHujson.trim() === '' ? '{}\n' : liveHujson);
  const sameOwnership = own !== undefined && show([...own.entries].map(show).sort()) === show(ownEntries.map(show).sort());
  let marker: OwnershipMarker;
  if (!contentChanged && sameOwnership && own!.schema === OWNERSHIP_SCHEMA) {
    marker = own!;
    text = liveHujson;
  } else {
    marker = signMarker({ tailnet: intent.tailnet, environment: intent.environment, schema: OWNERSHIP_SCHEMA, revision: (own?.revision ?? 0) + 1, entries: ownEntries }, key);
    text = withMarker(text, intent.environment, renderMarker(marker));
  }

  const crossEnvironment = crossEnvironmentPaths(parseLivePolicy(text, 'the written policy'), intent, (id) => (wanted.has(id) ? intent.environment : otherOwner.get(id) ?? PEOPLE));
  if (intent.enforceIsolation === true && crossEnvironment.length > 0) {
    throw new PolicyWriteError([
      `${who} refuses to write the policy of tailnet "${intent.tailnet}": the tailnet enforces isolation (src/config/tailnets.ts enforceIsolation: true), and ${crossEnvironment.length} rule(s) open a path between environments:`,
      ...crossEnvironment.map((c) => `  - ${c.path} (${c.owner === PEOPLE ? 'people' : `environment ${c.owner}`}) ${c.verdict === 'allow' ? 'opens' : 'may open (unproven)'} ${c.opens.join(', ')}: ${show(c.rule)}`),
      'Nothing was written. Fix: narrow or remove the rule in the admin console (a people-owned rule is not the stack\'s to change), or set enforceIsolation: false while it is being narrowed.',
    ].join('\n'));
  }

  const violations = checkPolicyGuard({ intent, liveText: liveHujson, live, writtenText: text, written: parseLivePolicy(text, 'the written policy'), ownBefore: ownIds });
  if (violations.length > 0) throw new PolicyWriteError(guardRefusal(intent, violations));
  return {
    tailnet: intent.tailnet,
    environment: intent.environment,
    liveState: own === undefined ? 'adopting' : 'managed',
    marker,
    hujson: text,
    changed: text !== liveHujson,
    entries: changes,
    crossEnvironment,
  };
}

/**
 * The people-owned part of a live policy, comparable with the committed snapshot
 * (src/config/tailnet-people/): every entry an ownership marker lists taken out (markers are
 * read, not verified: this is a report, never a write), then what 11a's splitPeopleOwned
 * recognises as an environment's on a policy some stack has not adopted yet.
 */
export function livePeoplePart(liveHujson: string, fragments: readonly PolicyFragment[]): PolicyDocument {
  const live = parseLivePolicy(liveHujson, 'the live policy');
  const kindOf = (section: string): PolicyEntry['kind'] => (Array.isArray(live[section]) ? 'element' : isRecord(live[section]) ? 'key' : 'section');
  const marked = new Set(findMarkers(liveHujson).flatMap((m) => ('malformed' in m.marker ? [] : m.marker.entries.map((e) => entryId(entryOfMarked(e, kindOf))))));
  const unmarked = composeValues(live, policyEntries(live), marked, []);
  return splitPeopleOwned(normalizeDocument(unmarked), fragments).people;
}

/** This environment's marker, verified; undefined on a policy it never wrote. */
function ownMarker(intent: WriteIntent, markers: readonly FoundMarker[], key: string, options: PlanOptions): OwnershipMarker | undefined {
  const who = `Stack "${intent.environment}"`;
  for (const m of markers) {
    if (!('malformed' in m.marker) && m.marker.tailnet !== intent.tailnet) {
      throw new PolicyWriteError(
        `${who} writes the policy of tailnet "${intent.tailnet}", but the tailnet its Tailscale credentials reach holds a marker of tailnet "${m.marker.tailnet}" (line ${m.line + 1}, environment "${m.marker.environment}"). ` +
        `Nothing was written. Fix: point this stack's tailnetId and Tailscale client at tailnet "${intent.tailnet}".`,
      );
    }
  }
  const mine = markers.filter((m) => m.marker.environment === intent.environment);
  const resolve = 'Fix: revert the change in the admin console (the policy\'s version history has the last version this stack wrote), then run `pulumi up` again.';
  if (mine.length > 1) throw new PolicyWriteError(`${who}: the live policy holds ${mine.length} ownership markers of environment "${intent.environment}" (lines ${mine.map((m) => m.line + 1).join(', ')}); one was copied or forged in the admin console. Nothing was written. ${resolve}`);
  const found = mine[0];
  if (found === undefined) {
    if (options.lastRevision !== undefined) {
      throw new PolicyWriteError(`${who} wrote revision ${options.lastRevision} of its entries (Pulumi state), but the live policy holds no ownership marker of environment "${intent.environment}": it was deleted in the admin console. Nothing was written. ${resolve}`);
    }
    return undefined;
  }
  if ('malformed' in found.marker) throw new PolicyWriteError(`${who}: the ownership marker of environment "${intent.environment}" (line ${found.line + 1}) ${found.marker.malformed}: it was edited in the admin console. Nothing was written. ${resolve}`);
  const marker = found.marker;
  if (marker.schema > OWNERSHIP_SCHEMA) {
    throw new PolicyWriteError(
      `${who}: the live entries of environment "${intent.environment}" were written by newer code (ownership schema ${marker.schema}; this checkout writes schema ${OWNERSHIP_SCHEMA}, revision ${marker.revision} is live). ` +
      'Writing would revert them. Nothing was written. Fix: deploy from a checkout at least as new as the one that wrote them (git pull).',
    );
  }
  if (options.unverifiedMarkers !== true && !markerIsAuthentic(marker, key)) {
    throw new PolicyWriteError(
      `${who}: the ownership marker of environment "${intent.environment}" (line ${found.line + 1}, revision ${marker.revision}) does not carry this stack's MAC: it was edited or forged in the admin console, or the stack's policyOwnershipKey changed. ` +
      `Nothing was written. ${resolve} If the key was changed on purpose, restore the old one (pulumi config set --secret policyOwnershipKey … --stack ${intent.environment}).`,
    );
  }
  if (options.lastRevision !== undefined && marker.revision < options.lastRevision) {
    throw new PolicyWriteError(`${who} wrote revision ${options.lastRevision} (Pulumi state), but revision ${marker.revision} is live: an older version of the policy was restored in the admin console. Nothing was written. Fix: if that restore was wanted, run \`pulumi refresh --stack ${intent.environment}\` first; otherwise restore the newest version.`);
  }
  return marker;
}

/** Refuses when an entry this environment wrote was edited or deleted outside its stack. */
function refuseConsoleEdits(
  intent: WriteIntent, own: OwnershipMarker, liveIds: ReadonlyMap<string, PolicyEntry>, liveEntries: readonly PolicyEntry[],
  ownIds: ReadonlySet<string>, otherOwner: ReadonlyMap<string, string>, kindOf: (s: string) => PolicyEntry['kind'],
): void {
  const problems: string[] = [];
  for (const marked of own.entries) {
    const entry = entryOfMarked(marked, kindOf);
    const id = entryId(entry);
    const current = liveIds.get(id);
    if (current !== undefined && show(current.value) === show(entry.value)) continue;
    const after = current !== undefined
      ? [current.value]
      : liveEntries.filter((e) => entryIdentity(e) === entryIdentity(entry) && !ownIds.has(entryId(e)) && !otherOwner.has(entryId(e))).map((e) => e.value);
    problems.push(`  - ${entryPath(entry)}: written as ${show(entry.value)}; live now ${after.length === 0 ? 'deleted' : after.map(show).join(' or ')}`);
  }
  if (problems.length === 0) return;
  throw new PolicyWriteError([
    `Stack "${intent.environment}" wrote revision ${own.revision} of its entries in the policy of tailnet "${intent.tailnet}", and ${problems.length} of them changed outside Pulumi (admin console):`,
    ...problems,
    'Nothing was written. Fix: revert the edit in the admin console (the policy\'s version history has revision ' +
    `${own.revision}), or, if the edit is wanted, make it in code (src/config, src/tailnet), revert it in the console, and run \`pulumi up --stack ${intent.environment}\`.`,
  ].join('\n'));
}

/** The document's values after this environment's edits (people's and others' entries as live). */
function composeValues(live: RawPolicy, liveEntries: readonly PolicyEntry[], ownIds: ReadonlySet<string>, desired: readonly PolicyEntry[]): RawPolicy {
  const wanted = new Set(desired.map(entryId));
  const doc: RawPolicy = structuredClone(live);
  for (const entry of liveEntries) {
    const id = entryId(entry);
    if (!ownIds.has(id) || wanted.has(id)) continue;
    if (entry.kind === 'element') (doc[entry.section] as unknown[]).splice((doc[entry.section] as unknown[]).findIndex((v) => show(v) === show(entry.value)), 1);
    else if (entry.kind === 'member') {
      const map = doc[entry.section] as Record<string, unknown[]>;
      map[entry.key!] = map[entry.key!]!.filter((v) => show(v) !== show(entry.value));
      if (map[entry.key!]!.length === 0) delete map[entry.key!];
    } else if (entry.kind === 'key') delete (doc[entry.section] as Record<string, unknown>)[entry.key!];
    else delete doc[entry.section];
  }
  // Each list's values as canonical JSON, read once and kept up to date as values are added.
  const held = new Map<unknown[], Set<string>>();
  const addOnce = (list: unknown[], value: unknown, add: () => void): void => {
    let values = held.get(list);
    if (values === undefined) held.set(list, (values = new Set(list.map(show))));
    const key = show(value);
    if (values.has(key)) return;
    add();
    values.add(key);
  };
  for (const entry of desired) {
    const place = placeOf(doc, entry);
    if (entry.kind === 'element') addOnce(place as unknown[], entry.value, () => (place as unknown[]).push(structuredClone(entry.value)));
    else if (entry.kind === 'member') addOnce(place as unknown[], entry.value, () => (place as unknown[]).push(entry.value));
    else (place as Record<string, unknown>)[entry.kind === 'key' ? entry.key! : entry.section] = structuredClone(entry.value);
  }
  return doc;
}

/**
 * A raw live document as the evaluator reads it: the whole language (hosts, legacy `acls`,
 * capability grants, postures, `via`, autogroups), every section kept; only the six sections
 * we write default to empty (src/tailnet/policy.ts normalizeDocument).
 */
export function evaluable(doc: RawPolicy): PolicyDocument {
  return normalizeDocument(structuredClone(doc));
}

const UNJUDGED = 'an entry the offline evaluator understands';

/**
 * The environment's tests the control plane would reject the whole document for: a deny test
 * that a people-owned rule (the catch-all) defeats, or a test naming a tag nobody declared.
 * They are withheld (not written) and reported; they come back on the next `up` once the
 * rule is gone. An accept test that fails is a defect of the code and fails the write.
 */
function testsToWithhold(composed: RawPolicy, desired: readonly PolicyEntry[]): { entry: PolicyEntry; reason: string }[] {
  const doc = evaluable(composed);
  const declared = new Set(Object.keys(doc.tagOwners));
  const withheld: { entry: PolicyEntry; reason: string }[] = [];
  const accepts: string[] = [];
  for (const entry of desired.filter((e) => e.kind === 'element' && (e.section === 'tests' || e.section === 'sshTests'))) {
    const test = entry.value as { src?: string; accept?: string[]; deny?: string[]; dst?: string[] };
    const hosts = [test.src ?? '', ...(test.dst ?? []), ...[...(test.accept ?? []), ...(test.deny ?? [])].map((t) => (entry.section === 'tests' ? t.replace(/:[^:]*$/, '') : ''))];
    const undeclared = hosts.filter((h) => h.startsWith('tag:') && !declared.has(h));
    if (undeclared.length > 0) {
      withheld.push({ entry, reason: `names ${undeclared.map((t) => JSON.stringify(t)).join(', ')}, which no tagOwners entry declares yet (the control plane rejects such a test; sent once the tag is declared)` });
      continue;
    }
    const single: PolicyDocument = { ...doc, tests: entry.section === 'tests' ? [entry.value as PolicyDocument['tests'][number]] : [], sshTests: entry.section === 'sshTests' ? [entry.value as PolicyDocument['sshTests'][number]] : [] };
    const failures = runPolicyTests(single).filter((f) => f.expectation !== UNJUDGED);
    if (failures.length === 0) continue;
    const denials = failures.filter((f) => f.expectation.startsWith('deny'));
    if (denials.length === failures.length) {
      const rules = [...new Set(denials.map((f) => f.rule ?? 'a rule'))];
      withheld.push({ entry, reason: `would fail in the control plane: ${rules.join(', ')} allow${rules.length === 1 ? 's' : ''} ${denials.map((f) => f.expectation.replace(/^deny /, '')).join(', ')}, which it denies (a rule this environment does not own opens the path; sent again once it is gone)` });
    } else accepts.push(...failures.filter((f) => !f.expectation.startsWith('deny')).map((f) => f.message));
  }
  if (accepts.length > 0) {
    throw new PolicyWriteError(`The environment's own tests fail against the composed policy (a defect of the code, not of the live policy):\n${accepts.map((m) => `  - ${m}`).join('\n')}\nNothing was written. Fix: correct src/tailnet/fragments.ts or src/config.`);
  }
  return withheld;
}

/**
 * People's tests that hold live but would fail after this environment's edits: the control
 * plane would reject the whole document, so the write is refused, naming them.
 */
function refuseBrokenPeopleTests(intent: WriteIntent, live: RawPolicy, final: RawPolicy, ours: ReadonlySet<string>): void {
  const failing = (doc: RawPolicy, section: 'tests' | 'sshTests', test: unknown): string[] => {
    const base = evaluable(doc);
    const single: PolicyDocument = { ...base, tests: section === 'tests' ? [test as PolicyDocument['tests'][number]] : [], sshTests: section === 'sshTests' ? [test as PolicyDocument['sshTests'][number]] : [] };
    return runPolicyTests(single).filter((f) => f.expectation !== UNJUDGED).map((f) => f.message.replace(/^[^:]*: /, ''));
  };
  const broken: string[] = [];
  for (const entry of policyEntries(live)) {
    if ((entry.section !== 'tests' && entry.section !== 'sshTests') || entry.kind !== 'element' || ours.has(entryId(entry))) continue;
    const before = new Set(failing(live, entry.section, entry.value));
    const after = failing(final, entry.section, entry.value).filter((m) => !before.has(m));
    if (after.length > 0) broken.push(`  - ${entryPath(entry, indexIn(live, entry))} ${show(entry.value)}: ${after.join('; ')}`);
  }
  if (broken.length === 0) return;
  throw new PolicyWriteError([
    `Stack "${intent.environment}": its entries would break ${broken.length} test(s) people wrote in the policy of tailnet "${intent.tailnet}", and the control plane rejects a policy whose tests fail:`,
    ...broken,
    'Nothing was written. Fix: if the test is outdated, change it in the admin console; otherwise change the environment\'s rules in code.',
  ].join('\n'));
}

function indexIn(doc: RawPolicy, entry: PolicyEntry, positions?: Positions): number | undefined {
  const list = entry.kind === 'member'
    ? (isRecord(doc[entry.section]) ? (doc[entry.section] as Record<string, unknown>)[entry.key!] : undefined)
    : entry.kind === 'element' ? doc[entry.section] : undefined;
  if (!Array.isArray(list)) return undefined;
  return positions === undefined ? list.findIndex((v) => show(v) === show(entry.value)) : positions(list, entry.value);
}

/** `list.findIndex` by canonical JSON, each list read once: for lists that are not edited meanwhile. */
type Positions = (list: readonly unknown[], value: unknown) => number;

/**
 * A {@link Positions} for one plan (never kept: the lists are that plan's). The preview's
 * report locates every live entry in its list, which read every list once per entry.
 */
function positionsOnce(): Positions {
  const read = new Map<readonly unknown[], Map<string, number>>();
  return (list, value) => {
    let byValue = read.get(list);
    if (byValue === undefined) {
      byValue = new Map();
      for (let i = list.length - 1; i >= 0; i--) byValue.set(show(list[i]), i);
      read.set(list, byValue);
    }
    return byValue.get(show(value)) ?? -1;
  };
}

function removeEntry(text: string, entry: PolicyEntry): string {
  const doc = parseLivePolicy(text, 'policy');
  if (entry.kind === 'member') {
    const list = (doc[entry.section] as Record<string, unknown[]>)[entry.key!]!;
    // The last owner gone, the tag's declaration goes too (it was this environment's alone).
    return list.length === 1
      ? applyEdits(text, modify(text, [entry.section, entry.key!], undefined, {}))
      : removeArrayItem(text, [entry.section, entry.key!, indexIn(doc, entry)!]);
  }
  if (entry.kind === 'element') return removeArrayItem(text, [entry.section, indexIn(doc, entry)!]);
  return applyEdits(text, modify(text, entry.kind === 'key' ? [entry.section, entry.key!] : [entry.section], undefined, {}));
}

/**
 * Cuts one array item out of the text, with the separator before it (or after it, for the
 * first), leaving everything else as it is. (jsonc-parser's `modify` mis-cuts the last item of
 * a one-line array: `["x", "y"]` became `["x""]`.)
 */
function removeArrayItem(text: string, path: (string | number)[]): string {
  const node = findNodeAtLocation(parseTree(text, [], { allowTrailingComma: true, disallowComments: false })!, path)!;
  const siblings = node.parent!.children!;
  const i = siblings.indexOf(node);
  const end = node.offset + node.length;
  if (i > 0) {
    const previous = siblings[i - 1]!;
    return text.slice(0, previous.offset + previous.length) + text.slice(end);
  }
  if (siblings.length > 1) return text.slice(0, node.offset) + text.slice(siblings[1]!.offset);
  const comma = /^\s*,/.exec(text.slice(end));
  return text.slice(0, node.offset) + text.slice(end + (comma?.[0].length ?? 0));
}

const PLACEHOLDER = '\u0001';

/**
 * Inserts or replaces one value, one entry per line, without touching the text around it
 * (people's formatting and comments stay as they are).
 */
function edit(text: string, path: (string | number)[], value: unknown, isArrayInsertion = false): string {
  const indent = '  '.repeat(path.length);
  const edits = modify(text, path, PLACEHOLDER, { isArrayInsertion }).map((e) => {
    let content = e.content.replace(JSON.stringify(PLACEHOLDER), oneLine(value));
    if (e.length === 0) content = content.startsWith(',') ? `,\n${indent}${content.slice(1)}` : `\n${indent}${content}\n${'  '.repeat(path.length - 1)}`;
    return { ...e, content };
  });
  return applyEdits(text, edits);
}

/**
 * The text with one entry set. `doc` is the text's structure, parsed once by the caller and
 * kept in step here (only whether a section, or a tag's list, exists decides the edit): one
 * parse per entry of a long document was most of a plan.
 */
function setEntry(text: string, entry: PolicyEntry, doc: RawPolicy): string {
  const edited = setEntryText(text, entry, doc);
  const place = placeOf(doc, entry);
  if (entry.kind === 'element' || entry.kind === 'member') (place as unknown[]).push(entry.value);
  else (place as Record<string, unknown>)[entry.kind === 'key' ? entry.key! : entry.section] = entry.value;
  return edited;
}

/**
 * Where an entry goes in a document, made when missing: its list (an element's section, a
 * member's tag list), its section's map (a key), or the document itself (a whole section).
 */
function placeOf(doc: RawPolicy, entry: PolicyEntry): unknown[] | Record<string, unknown> {
  if (entry.kind === 'section') return doc;
  if (entry.kind === 'element') return (Array.isArray(doc[entry.section]) ? doc[entry.section] : (doc[entry.section] = [])) as unknown[];
  const map = (isRecord(doc[entry.section]) ? doc[entry.section] : (doc[entry.section] = {})) as Record<string, unknown>;
  if (entry.kind === 'key') return map;
  return (Array.isArray(map[entry.key!]) ? map[entry.key!] : (map[entry.key!] = [])) as unknown[];
}

function setEntryText(text: string, entry: PolicyEntry, doc: RawPolicy): string {
  if (entry.kind === 'member') {
    const map = doc[entry.section];
    if (!isRecord(map)) text = edit(text, [entry.section], {});
    if (!isRecord(map) || !Array.isArray(map[entry.key!])) return edit(text, [entry.section, entry.key!], [entry.value]);
    // Another owner in a tag's list: on the same line, as people write it.
    const edits = modify(text, [entry.section, entry.key!, -1], entry.value, { isArrayInsertion: true }).map((e) => ({ ...e, content: e.content.replace(/^,/, ', ') }));
    return applyEdits(text, edits);
  }
  if (entry.kind === 'element') {
    if (!Array.isArray(doc[entry.section])) text = edit(text, [entry.section], []);
    return edit(text, [entry.section, -1], entry.value, true);
  }
  if (entry.kind === 'key') {
    if (!isRecord(doc[entry.section])) text = edit(text, [entry.section], {});
    return edit(text, [entry.section, entry.key!], entry.value);
  }
  return edit(text, [entry.section], entry.value);
}

/** A value on one line, spaced as people write policies: `{"src": ["tag:a"], "ip": ["tcp:22"]}`. */
export function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (isRecord(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

/** The text with this environment's marker line replaced (first line of the document). */
function withMarker(text: string, environment: string, line: string): string {
  const mine = new Set(findMarkers(text).filter((m) => m.marker.environment === environment).map((m) => m.line));
  const lines = text.split('\n').filter((_, i) => !mine.has(i));
  return [line, ...lines].join('\n');
}

/**
 * Rules of the document that let one environment's tags reach another's, people's included:
 * 11a's isolation proof (src/tailnet/isolation.ts) over the whole written document, in the
 * whole language, each finding attributed to its owner by its entry.
 */
export function crossEnvironmentPaths(doc: RawPolicy, intent: WriteIntent, ownerOf: (id: string) => string): CrossEnvironmentPath[] {
  const fragments = Object.entries(intent.environments).map(([owner, tags]) => ({ owner, tags: [...tags], ...emptyDocument() }) as PolicyFragment);
  const ruleAt = (section: string, index: number): unknown => (Array.isArray(doc[section]) ? (doc[section] as unknown[])[index] : undefined);
  const owners: RuleOwners = (section, index) => {
    const rule = ruleAt(section, index);
    return rule === undefined ? PEOPLE : ownerOf(entryId({ section, value: rule, kind: 'element' }));
  };
  return isolationFindings(evaluable(doc), fragments, owners).map((f) => ({
    path: `${f.section}[${f.index}]`,
    owner: f.owner,
    rule: ruleAt(f.section, f.index),
    verdict: f.verdict,
    opens: [...new Set(f.paths.map((p) => `${p.from} → ${p.to}`))],
  }));
}

function guardRefusal(intent: WriteIntent, violations: readonly { rule: PolicyGuardRule; message: string }[]): string {
  return [
    `Stack "${intent.environment}" refuses to write the policy of tailnet "${intent.tailnet}": the document it composed breaks ${violations.length} guard rail(s):`,
    ...violations.map((v) => `  - [${v.rule}] ${v.message}`),
    'Nothing was written. Fix: the write path may only change this environment\'s own entries; change people\'s entries in the admin console.',
  ].join('\n');
}

/** The plan as the preview prints it: one line per entry, by status. */
export function formatPolicyPlan(write: PolicyWrite): string[] {
  const order: EntryStatus[] = ['taken over', 'added', 'changed', 'removed', 'withheld', 'unchanged', 'kept'];
  const counts = order.map((s) => [s, write.entries.filter((e) => e.status === s).length] as const).filter(([, n]) => n > 0);
  const lines = [
    `Tailnet policy "${write.tailnet}", environment "${write.environment}": ${write.liveState === 'adopting' ? 'adopting a policy this stack never wrote' : `revision ${write.marker.revision - (write.changed ? 1 : 0)} live`}; ` +
    `${write.changed ? `writes revision ${write.marker.revision}` : 'nothing to write'} (${counts.map(([s, n]) => `${n} ${s}`).join(', ')}).`,
  ];
  for (const status of order) {
    for (const e of write.entries.filter((x) => x.status === status)) {
      const owner = e.owner === write.environment ? '' : ` (${e.owner === PEOPLE || e.owner === SHARED ? e.owner : `environment ${e.owner}`})`;
      const value = e.status === 'changed' ? `${show(e.before)} → ${show(e.value)}` : show(e.value);
      lines.push(`  ${status.padEnd(10)} ${e.path}${owner}: ${value}${e.reason === undefined ? '' : ` — ${e.reason}`}`);
    }
  }
  for (const c of write.crossEnvironment) {
    lines.push(`  cross-environment path: ${c.path} (${c.owner === PEOPLE ? 'people' : `environment ${c.owner}`}) ${c.verdict === 'allow' ? 'opens' : 'may open (unproven)'} ${c.opens.join(', ')}: ${show(c.rule)} — not this stack's to remove; isolation holds only once it is narrowed`);
  }
  return lines;
}
