/**
 * Difference of two tailnet policy documents, section by section, in words. Rules are matched
 * by content (array indices shift whenever a rule is inserted): identical rules are unchanged;
 * a remaining rule on each side that differs in a single field is one changed rule, whose
 * lists gained or lost members; everything else is added or removed.
 */
import type { PolicyEntry, PolicyEntryChange, PolicySectionDiff } from './report';
import { redactTree } from './redact';

type Rule = Record<string, unknown>;
type FieldDelta = { gained: unknown[]; lost: unknown[] };

/** Sections written in the order Tailscale documents them; unknown sections follow, sorted. */
const SECTION_ORDER = ['groups', 'hosts', 'tagOwners', 'autoApprovers', 'postures', 'grants', 'acls', 'ssh', 'nodeAttrs', 'tests', 'sshTests'];

/**
 * How each kind of access rule widens access: which list fields let more through when they
 * gain members, and which let more through when they lose members (posture conditions).
 */
const ACCESS_RULES: Readonly<Record<string, { readonly widenOnGain: readonly string[]; readonly widenOnLoss: readonly string[] }>> = {
  grants: { widenOnGain: ['src', 'dst', 'ip', 'app'], widenOnLoss: ['srcPosture'] },
  acls: { widenOnGain: ['src', 'dst', 'proto'], widenOnLoss: ['srcPosture'] },
  ssh: { widenOnGain: ['src', 'dst', 'users', 'acceptEnv'], widenOnLoss: ['srcPosture'] },
};

export function diffPolicy(before: Rule, after: Rule): PolicySectionDiff[] {
  const sections = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) => sectionRank(a) - sectionRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const diffs: PolicySectionDiff[] = [];
  for (const section of sections) {
    const diff = diffSection(section, before[section], after[section]);
    if (diff.added.length + diff.removed.length + diff.changed.length > 0) diffs.push(diff);
  }
  return diffs;
}

function sectionRank(section: string): number {
  const i = SECTION_ORDER.indexOf(section);
  return i === -1 ? SECTION_ORDER.length : i;
}

function diffSection(section: string, before: unknown, after: unknown): PolicySectionDiff {
  if (Array.isArray(before) || Array.isArray(after)) {
    return diffRules(section, Array.isArray(before) ? before : [], Array.isArray(after) ? after : []);
  }
  if (isRecord(before) || isRecord(after)) {
    return diffMap(section, isRecord(before) ? before : {}, isRecord(after) ? after : {});
  }
  // A scalar setting (e.g. `randomizeClientPort`).
  const entries = (value: unknown): PolicyEntry[] => (value === undefined ? [] : [{ summary: `${section}: ${shown(value)}`, value: redactTree(value), widens: false }]);
  if (canonical(before) === canonical(after)) return { section, added: [], removed: [], changed: [] };
  return { section, added: entries(after), removed: entries(before), changed: [] };
}

/** A list of rules or tests: matched by content, then paired when one field differs. */
function diffRules(section: string, before: readonly unknown[], after: readonly unknown[]): PolicySectionDiff {
  const remainingAfter = [...after];
  const unmatchedBefore: unknown[] = [];
  for (const rule of before) {
    const i = remainingAfter.findIndex((candidate) => canonical(candidate) === canonical(rule));
    if (i === -1) unmatchedBefore.push(rule);
    else remainingAfter.splice(i, 1);
  }

  const changed: PolicyEntryChange[] = [];
  const removed: unknown[] = [];
  for (const rule of unmatchedBefore) {
    const i = isRecord(rule) ? remainingAfter.findIndex((candidate) => isRecord(candidate) && pairs(section, rule, candidate)) : -1;
    if (i === -1) {
      removed.push(rule);
      continue;
    }
    const [partner] = remainingAfter.splice(i, 1) as [Rule];
    changed.push(changedRule(section, rule as Rule, partner));
  }
  const access = ACCESS_RULES[section];
  return {
    section,
    added: remainingAfter.map((rule) => entry(section, rule, access !== undefined && isGrantingRule(rule))),
    removed: removed.map((rule) => entry(section, rule, false)),
    changed,
  };
}

/**
 * Two rules are one changed rule when a single field differs, or, for SSH, when only the action
 * and its `checkPeriod` differ (a `check` rule becoming `accept` drops its period too).
 */
function pairs(section: string, before: Rule, after: Rule): boolean {
  const differing = differingFields(before, after);
  if (differing.length === 1) return true;
  return section === 'ssh' && differing.includes('action') && differing.every((f) => f === 'action' || f === 'checkPeriod');
}

/** An `acls` rule with `action: deny` never widens access; every other access rule does. */
function isGrantingRule(rule: unknown): boolean {
  return !(isRecord(rule) && rule.action === 'deny');
}

function changedRule(section: string, before: Rule, after: Rule): PolicyEntryChange {
  const fields: Record<string, FieldDelta> = {};
  for (const field of differingFields(before, after)) fields[field] = listDelta(before[field], after[field]);
  const access = ACCESS_RULES[section];
  const widens = access !== undefined && isGrantingRule(after) && (
    access.widenOnGain.some((f) => (fields[f]?.gained.length ?? 0) > 0) ||
    access.widenOnLoss.some((f) => (fields[f]?.lost.length ?? 0) > 0) ||
    // `check` asks for a fresh login; `accept` does not.
    (before.action === 'check' && after.action === 'accept')
  );
  return { before: describe(section, before), after: describe(section, after), fields: redactTree(fields) as Record<string, FieldDelta>, widens };
}

/** `groups`, `tagOwners`, `hosts`…: entries by name; a changed entry lists gained and lost members. */
function diffMap(section: string, before: Rule, after: Rule): PolicySectionDiff {
  const added: PolicyEntry[] = [];
  const removed: PolicyEntry[] = [];
  const changed: PolicyEntryChange[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const b = before[name];
    const a = after[name];
    if (b === undefined) added.push({ summary: `${name}: ${shown(a)}`, value: redactTree({ [name]: a }), widens: false });
    else if (a === undefined) removed.push({ summary: `${name}: ${shown(b)}`, value: redactTree({ [name]: b }), widens: false });
    else if (canonical(a) !== canonical(b)) {
      changed.push({ before: `${name}: ${shown(b)}`, after: `${name}: ${shown(a)}`, fields: redactTree({ [name]: listDelta(b, a) }) as Record<string, FieldDelta>, widens: false });
    }
  }
  return { section, added, removed, changed };
}

function entry(section: string, rule: unknown, widens: boolean): PolicyEntry {
  return { summary: describe(section, rule), value: redactTree(rule), widens };
}

function differingFields(a: Rule, b: Rule): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonical(a[k]) !== canonical(b[k]));
}

/** Members gained and lost between two values; scalars count as one-member lists. */
function listDelta(before: unknown, after: unknown): FieldDelta {
  const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const b = list(before);
  const a = list(after);
  const has = (xs: unknown[], x: unknown): boolean => xs.some((y) => canonical(y) === canonical(x));
  return { gained: a.filter((x) => !has(b, x)), lost: b.filter((x) => !has(a, x)) };
}

/**
 * A rule in words: `tag:a, tag:b → tag:c on tcp:5432`, `accept tag:k8s → tag:vm as admin`,
 * `test tag:vm: accept tag:k8s:5432; deny tag:other:5432`. Unknown shapes print as JSON.
 */
export function describe(section: string, rule: unknown): string {
  if (!isRecord(rule)) return shown(rule);
  const r = redactTree(rule) as Rule;
  const list = (value: unknown): string => (Array.isArray(value) ? value.map(String).join(', ') : value === undefined ? '(none)' : String(value));
  const extra = (known: readonly string[]): string => {
    const rest = Object.keys(r).filter((k) => !known.includes(k));
    return rest.length === 0 ? '' : ` (${rest.map((k) => `${k}: ${show(r[k])}`).join('; ')})`;
  };
  switch (section) {
    case 'grants':
      return `${list(r.src)} → ${list(r.dst)} on ${list(r.ip)}${extra(['src', 'dst', 'ip'])}`;
    case 'acls':
      return `${list(r.action)} ${list(r.src)} → ${list(r.dst)}${extra(['action', 'src', 'dst'])}`;
    case 'ssh':
      return `${list(r.action)} ${list(r.src)} → ${list(r.dst)} as ${list(r.users)}${extra(['action', 'src', 'dst', 'users'])}`;
    case 'tests':
      return `from ${list(r.src)}: ${outcomes(r, ['accept', 'deny'])}${extra(['src', 'accept', 'deny'])}`;
    case 'sshTests':
      return `from ${list(r.src)} to ${list(r.dst)}: ${outcomes(r, ['accept', 'check', 'deny'])}${extra(['src', 'dst', 'accept', 'check', 'deny'])}`;
    default:
      return show(r);
  }
}

/** `accept a, b; deny c` with only the outcomes a test names. */
function outcomes(test: Rule, names: readonly string[]): string {
  const present = names.filter((n) => Array.isArray(test[n]) && (test[n] as unknown[]).length > 0);
  return present.length === 0 ? 'nothing' : present.map((n) => `${n} ${(test[n] as unknown[]).map(String).join(', ')}`).join('; ');
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** One line of JSON of a value, secrets redacted. */
function shown(value: unknown): string {
  return show(redactTree(value));
}

/** JSON with sorted keys and sorted lists: equal for rules that mean the same. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort).map((x) => JSON.stringify(x)).sort();
    if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]));
    return v;
  };
  return JSON.stringify(sort(value)) ?? 'undefined';
}

function isRecord(value: unknown): value is Rule {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
