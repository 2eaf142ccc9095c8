/**
 * An offline evaluator of Tailscale's policy language: grants (`ip`, `app`, `srcPosture`,
 * `via`), legacy `acls`, Tailscale SSH, `hosts`, groups, users, tags, autogroups, IPv4
 * addresses and CIDRs. It answers "may this source reach that destination" and runs a
 * document's own `tests` and `sshTests` before the control plane ever sees the policy.
 *
 * Every answer is three-valued: proven allowed, proven denied, or unproven. Whatever depends on
 * something a policy file does not say (a device's posture, a user's role, which routes a
 * subnet router advertises, exit-node traffic) is "unproven", never "denied".
 *
 * Semantics (https://tailscale.com/kb/1337/policy-syntax, kb/1324/grants, kb/1396/targets for
 * the autogroups):
 * - grants and ACLs only ever add access; nothing is reachable unless some rule allows it;
 * - an `app` capability is not network access: a grant with `app` and no `ip` opens no port;
 * - a group stands for its members (each member, when a test names the group);
 * - Tailscale SSH: `check` rules are evaluated before `accept` rules, then the first rule that
 *   matches decides (headscale sorts check rules first "to match Tailscale's first-match-wins
 *   evaluation order", juanfont/headscale hscontrol/policy, SSH check action; the client's
 *   first-match `evalSSHPolicy` is tailscale/tailscale ssh/tailssh/tailssh.go).
 */
import { scopedTable, withReadCache } from './memo';
import type { AclRule, Grant, PolicyDocument, SshRule } from './policy';
import {
  type AddressRange, NON_INTERNET, type PortRange, type Protocol, TAILNET_RANGE, aclProtocols, contains, overlaps,
  parseAclDestination, parseCidr, parsePortSpec, parseTestProtocol, parseTestTarget, selectorKind,
} from './syntax';

/** A proven yes or no, or a maybe with the reason it cannot be decided offline. */
export type Match = { readonly v: 'yes' } | { readonly v: 'no' } | { readonly v: 'maybe'; readonly why: string };
const YES: Match = { v: 'yes' };
const NO: Match = { v: 'no' };
const maybe = (why: string): Match => ({ v: 'maybe', why });

/** Any of: yes if one is yes, else maybe if one is maybe, else no. */
function anyOf(matches: Iterable<Match>): Match {
  let found: Match = NO;
  for (const m of matches) {
    if (m.v === 'yes') return YES;
    if (m.v === 'maybe' && found.v === 'no') found = m;
  }
  return found;
}

/** All of: no if one is no, else maybe if one is maybe, else yes. */
function allOf(matches: readonly Match[]): Match {
  if (matches.some((m) => m.v === 'no')) return NO;
  return matches.find((m) => m.v === 'maybe') ?? YES;
}

/** The identity a query or a test names: one device owner (a tag or a user), or an address. */
export type Principal =
  | { readonly kind: 'tag' | 'user'; readonly name: string }
  | { readonly kind: 'address'; readonly name: string; readonly range: AddressRange };

/** Autogroups that stand for users of a role; a policy file does not say who holds it. */
// An array, not a Set: see memo.ts for why the policy writer's code holds no module-level Set.
const ROLE_AUTOGROUPS: readonly string[] = ['autogroup:owner', 'autogroup:admin', 'autogroup:it-admin', 'autogroup:network-admin', 'autogroup:billing-admin', 'autogroup:auditor'];

/**
 * A principal as a query names it: a tag, a user, an IPv4 address or CIDR, or a `hosts` alias.
 * Groups are expanded by {@link principalsOf}; anything else cannot be a single principal.
 */
export function resolvePrincipal(doc: PolicyDocument, name: string): Principal | { readonly kind: 'unresolved'; readonly reason: string } {
  const kind = selectorKind(name);
  if (kind === 'tag' || kind === 'user') return { kind, name };
  const address = kind === 'host' ? doc.hosts?.[name] : name;
  if (address === undefined) return { kind: 'unresolved', reason: `${JSON.stringify(name)} is not declared in hosts` };
  const cidr = parseCidr(address);
  if (cidr.ok) return { kind: 'address', name, range: cidr.value };
  return { kind: 'unresolved', reason: `${JSON.stringify(name)} is not a tag, a user, a declared host or an IPv4 address` };
}

/** A group synced from the identity provider by SCIM, named `group:<name>@<domain>`: its members are not in the policy. */
export function isSyncedGroup(name: string): boolean {
  return name.startsWith('group:') && name.includes('@');
}

/** The principals a test source stands for: a group's members, or the one principal named. */
export function principalsOf(doc: PolicyDocument, name: string): (Principal | { kind: 'unresolved'; reason: string })[] {
  if (isSyncedGroup(name)) return [{ kind: 'unresolved', reason: `the members of ${name}, a group synced from the identity provider, are not in the policy` }];
  if (selectorKind(name) === 'group') return (doc.groups?.[name] ?? []).map((member) => resolvePrincipal(doc, member));
  return [resolvePrincipal(doc, name)];
}

const inTailnetRange = (p: Principal): boolean => p.kind === 'address' && overlaps(p.range, TAILNET_RANGE);

/**
 * Does `selector` (a rule's `src`/`dst` entry) cover `principal`? `self` is the source, for
 * `autogroup:self` destinations.
 */
export function selectorMatch(doc: PolicyDocument, selector: string, principal: Principal, self?: Principal): Match {
  const device = (matchesOwner: boolean): Match => (principal.kind === 'address'
    ? (inTailnetRange(principal) ? maybe(`which device holds ${principal.name} is not in the policy`) : NO)
    : matchesOwner ? YES : NO);
  // autogroup:danger-all "includes all devices, even those outside your tailnet" (kb/1396/targets).
  if (selector === 'autogroup:danger-all') return YES;
  if (selector === '*') {
    return principal.kind !== 'address' || contains(TAILNET_RANGE, principal.range) ? YES : maybe(`whether a subnet router advertises ${principal.name} is not in the policy`);
  }
  const kind = selectorKind(selector);
  switch (kind) {
    case 'tag': return device(principal.kind === 'tag' && principal.name === selector);
    case 'user': return device(principal.kind === 'user' && principal.name === selector);
    case 'group':
      // A group synced from the identity provider (`group:eng@example.com`, SCIM): the policy does not list its members.
      if (isSyncedGroup(selector) && principal.kind === 'user') return maybe(`whether ${principal.name} is in ${selector}, a group synced from the identity provider, is not in the policy`);
      return device(principal.kind === 'user' && (doc.groups?.[selector] ?? []).includes(principal.name));
    case 'address':
    case 'host': {
      const target = kind === 'host' ? doc.hosts?.[selector] : selector;
      const cidr = target === undefined ? undefined : parseCidr(target);
      if (cidr === undefined || !cidr.ok) return maybe(`${JSON.stringify(selector)} is not an IPv4 address, CIDR or declared host`);
      if (principal.kind !== 'address') return overlaps(cidr.value, TAILNET_RANGE) ? maybe(`${selector} overlaps the tailnet's own addresses`) : NO;
      if (contains(cidr.value, principal.range)) return YES;
      return overlaps(cidr.value, principal.range) ? maybe(`${selector} covers part of ${principal.name}`) : NO;
    }
    case 'autogroup': return autogroupMatch(selector, principal, self);
    default: return maybe(`${JSON.stringify(selector)} is not a selector the evaluator reads`);
  }
}

function autogroupMatch(selector: string, principal: Principal, self: Principal | undefined): Match {
  const address = principal.kind === 'address';
  switch (selector) {
    case 'autogroup:member': return principal.kind === 'user' ? YES : address && inTailnetRange(principal) ? maybe(`which device holds ${principal.name} is not in the policy`) : NO;
    case 'autogroup:tagged': return principal.kind === 'tag' ? YES : address && inTailnetRange(principal) ? maybe(`which device holds ${principal.name} is not in the policy`) : NO;
    case 'autogroup:shared': return principal.kind === 'user' ? maybe('who shares devices into the tailnet is not in the policy') : NO;
    case 'autogroup:internet': {
      if (!address) return NO;
      return NON_INTERNET.some((r) => contains(r, principal.range)) ? NO : maybe(`reaching ${principal.name} through an exit node depends on the device's exit-node setting`);
    }
    case 'autogroup:self': {
      if (self === undefined || self.kind !== 'user') return NO;
      if (principal.kind === 'user') return principal.name === self.name ? YES : NO;
      return address && inTailnetRange(principal) ? maybe(`whether ${principal.name} is a device of ${self.name} is not in the policy`) : NO;
    }
    default:
      if (ROLE_AUTOGROUPS.includes(selector)) return principal.kind === 'user' ? maybe(`whether ${principal.name} holds the role ${selector} is not in the policy`) : address && inTailnetRange(principal) ? maybe(`which device holds ${principal.name} is not in the policy`) : NO;
      return maybe(`${selector} is not an autogroup the evaluator knows`);
  }
}

const anySelector = (doc: PolicyDocument, selectors: readonly string[] | undefined, principal: Principal, self?: Principal): Match =>
  anyOf((selectors ?? []).map((s) => selectorMatch(doc, s, principal, self)));

/** A rule that applies only to some devices (posture) or routes (`via`) can only make access unproven. */
function conditionOf(doc: PolicyDocument, rule: { srcPosture?: string[]; via?: string[] }): Match {
  if ((rule.srcPosture ?? doc.defaultSrcPosture ?? []).length > 0) return maybe(`it applies only to devices that satisfy ${(rule.srcPosture ?? doc.defaultSrcPosture)!.join(', ')}`);
  if ((rule.via ?? []).length > 0) return maybe(`it applies only to traffic routed via ${rule.via!.join(', ')}`);
  return YES;
}

export type Verdict = 'allow' | 'deny' | 'unproven';

export interface ConnectResult {
  /** True only when proven: an unproven connection is neither allowed nor denied. */
  readonly allowed: boolean;
  readonly verdict: Verdict;
  /** The rule that allows it (or may allow it), e.g. `grants[2] (tag:a → tag:b on tcp:5432)`. */
  readonly rule?: string;
  /** Why an unproven connection cannot be decided offline. */
  readonly reason?: string;
}

export function describeGrant(grant: Grant, index: number): string {
  const app = grant.app === undefined ? '' : ` with app ${Object.keys(grant.app).join(', ')}`;
  return `grants[${index}] (${grant.src.join(', ')} → ${grant.dst.join(', ')} on ${(grant.ip ?? []).join(', ') || 'no ports'}${app})`;
}

export function describeAcl(rule: AclRule, index: number): string {
  return `acls[${index}] (${rule.action} ${rule.src.join(', ')} → ${rule.dst.join(', ')}${rule.proto === undefined ? '' : ` proto ${rule.proto}`})`;
}

export function describeSshRule(rule: SshRule, index: number): string {
  return `ssh[${index}] (${rule.action} ${rule.src.join(', ')} → ${rule.dst.join(', ')} as ${rule.users.join(', ')})`;
}

/** One network rule read as: its sources, and per destination the ranges it opens. */
export interface NetworkRule {
  readonly section: 'grants' | 'acls';
  readonly index: number;
  readonly description: string;
  readonly src: readonly string[];
  readonly condition: Match;
  /** Per destination selector: the TCP/UDP ranges opened, or `unreadable` when a port entry cannot be read. */
  readonly destinations: readonly { readonly dst: string; readonly ranges: readonly PortRange[]; readonly unreadable?: string }[];
}

/** A rule that may apply to one source: the rule, and how it matches that source (never a proven no). */
interface FromSource<R> {
  readonly rule: R;
  readonly match: Match;
}

/** An SSH rule in evaluation order, described once. */
interface OrderedSshRule {
  readonly rule: SshRule;
  readonly index: number;
  readonly description: string;
}

/**
 * What the evaluator read from one document, with the parts it read it from. A query loop
 * asks about one document thousands of times (the tests, the reachability matrix, the
 * isolation proof), and reading every port entry and matching every rule's sources again for
 * each question was most of the synthesis. It is kept only within one bulk evaluation, which
 * edits nothing (see documentTable); even there it is read again when a part it depends on
 * was replaced or a rule list changed.
 */
interface ReadDocument {
  readonly grants: PolicyDocument['grants'];
  readonly acls: PolicyDocument['acls'];
  readonly ssh: PolicyDocument['ssh'];
  readonly groups: PolicyDocument['groups'];
  readonly hosts: PolicyDocument['hosts'];
  readonly posture: PolicyDocument['defaultSrcPosture'];
  readonly grantItems: readonly Grant[];
  readonly aclItems: readonly AclRule[];
  readonly sshItems: readonly SshRule[];
  readonly rules: readonly NetworkRule[];
  readonly sshOrder: readonly OrderedSshRule[];
  /** Per source principal ({@link principalKey}): the network rules that may apply to it, in order. */
  readonly networkFrom: Map<string, readonly FromSource<NetworkRule>[]>;
  readonly sshFrom: Map<string, readonly FromSource<OrderedSshRule>[]>;
}

/**
 * Kept only inside a bulk evaluation ({@link withReadCache}: the tests of a document, a
 * matrix, an isolation proof, the gate of one tailnet), keyed by the document's grants list
 * (the document itself when it has none), so documents derived with a spread (`{ ...doc,
 * tests }`, as the withheld tests make them) share what was read. Outside one, every
 * question reads the document as it is.
 */
const documentTable = (): WeakMap<object, ReadDocument> | undefined => scopedTable('documents', () => new WeakMap<object, ReadDocument>());
const readKey = (doc: PolicyDocument): object => doc.grants ?? doc;

const sameItems = (kept: readonly unknown[], now: readonly unknown[] | undefined): boolean => {
  if (kept.length !== (now?.length ?? 0)) return false;
  for (let i = 0; i < kept.length; i++) if (kept[i] !== now![i]) return false;
  return true;
};

function readDocument(doc: PolicyDocument): ReadDocument {
  const table = documentTable();
  const kept = table?.get(readKey(doc));
  // Group and host selectors read doc.groups and doc.hosts: parts of what was read, by identity.
  if (kept !== undefined && kept.grants === doc.grants && kept.acls === doc.acls && kept.ssh === doc.ssh && kept.groups === doc.groups
    && kept.hosts === doc.hosts && kept.posture === doc.defaultSrcPosture
    && sameItems(kept.grantItems, doc.grants) && sameItems(kept.aclItems, doc.acls) && sameItems(kept.sshItems, doc.ssh)) return kept;
  const ssh = (doc.ssh ?? []).map((rule, index) => ({ rule, index, description: describeSshRule(rule, index) }));
  const done: ReadDocument = {
    grants: doc.grants, acls: doc.acls, ssh: doc.ssh, groups: doc.groups, hosts: doc.hosts, posture: doc.defaultSrcPosture,
    grantItems: [...(doc.grants ?? [])], aclItems: [...(doc.acls ?? [])], sshItems: [...(doc.ssh ?? [])],
    rules: readNetworkRules(doc),
    sshOrder: [...ssh.filter((r) => r.rule.action === 'check'), ...ssh.filter((r) => r.rule.action !== 'check')],
    networkFrom: new Map(),
    sshFrom: new Map(),
  };
  table?.set(readKey(doc), done);
  return done;
}

/** A principal as a memo key: everything the evaluator reads of it. */
const principalKey = (p: Principal): string => (p.kind === 'address' ? `address\0${p.name}\0${p.range.lo}\0${p.range.hi}` : `${p.kind}\0${p.name}`);

/** Every grant and accept ACL of the document as network rules (capability-only grants open nothing). */
export function networkRules(doc: PolicyDocument): readonly NetworkRule[] {
  return readDocument(doc).rules;
}

/** The network rules whose conditions and sources may cover `src`, in document order. */
function networkRulesFrom(doc: PolicyDocument, src: Principal): readonly FromSource<NetworkRule>[] {
  const read = readDocument(doc);
  const key = principalKey(src);
  let found = read.networkFrom.get(key);
  if (found === undefined) {
    found = read.rules.map((rule) => ({ rule, match: allOf([rule.condition, anySelector(doc, rule.src, src)]) })).filter((r) => r.match.v !== 'no');
    read.networkFrom.set(key, found);
  }
  return found;
}

/** The accept and check SSH rules whose conditions and sources may cover `src`, in evaluation order. */
function sshRulesFrom(doc: PolicyDocument, src: Principal): readonly FromSource<OrderedSshRule>[] {
  const read = readDocument(doc);
  const key = principalKey(src);
  let found = read.sshFrom.get(key);
  if (found === undefined) {
    found = read.sshOrder
      .filter((r) => r.rule.action === 'accept' || r.rule.action === 'check')
      .map((rule) => ({ rule, match: allOf([conditionOf(doc, rule.rule), anySelector(doc, rule.rule.src, src)]) }))
      .filter((r) => r.match.v !== 'no');
    read.sshFrom.set(key, found);
  }
  return found;
}

function readNetworkRules(doc: PolicyDocument): NetworkRule[] {
  const rules: NetworkRule[] = [];
  (doc.grants ?? []).forEach((grant, index) => {
    const parsed = (grant.ip ?? []).map(parsePortSpec);
    const ranges = parsed.flatMap((p) => (p.ok ? p.value : []));
    const unreadable = parsed.find((p) => !p.ok) as { reason: string } | undefined;
    rules.push({
      section: 'grants', index, description: describeGrant(grant, index), src: grant.src ?? [], condition: conditionOf(doc, grant),
      destinations: (grant.dst ?? []).map((dst) => ({ dst, ranges, ...(unreadable ? { unreadable: unreadable.reason } : {}) })),
    });
  });
  (doc.acls ?? []).forEach((acl, index) => {
    if (acl.action !== 'accept') return;
    const protocols = aclProtocols(acl.proto);
    rules.push({
      section: 'acls', index, description: describeAcl(acl, index), src: acl.src ?? [], condition: conditionOf(doc, acl),
      destinations: (acl.dst ?? []).map((entry) => {
        const parsed = parseAclDestination(entry);
        if (!parsed.ok) return { dst: entry, ranges: [], unreadable: parsed.reason };
        return { dst: parsed.value.host, ranges: protocols.flatMap((proto) => parsed.value.ports.map((r) => ({ proto, ...r }))) };
      }),
    });
  });
  return rules;
}

/** How a rule that may apply to a source applies to one destination: a match, and the ranges it opens there. */
function ruleReach(doc: PolicyDocument, from: FromSource<NetworkRule>, src: Principal, dst: Principal): { match: Match; ranges: readonly PortRange[]; unreadable?: string }[] {
  return from.rule.destinations.flatMap((d) => {
    const match = allOf([from.match, selectorMatch(doc, d.dst, dst, src)]);
    return match.v === 'no' ? [] : [{ match, ranges: d.ranges, ...(d.unreadable ? { unreadable: d.unreadable } : {}) }];
  });
}

/** May `src` open a connection to `dst` on `proto`/`port`? Both are single principals (tags, users, addresses, hosts). */
export function canConnect(doc: PolicyDocument, src: string, dst: string, proto: Protocol, port: number): ConnectResult {
  if (isSyncedGroup(src)) return { allowed: false, verdict: 'unproven', reason: `the members of ${src}, a group synced from the identity provider, are not in the policy` };
  if (selectorKind(src) === 'group') return forEveryMember(doc, src, (member) => canConnect(doc, member, dst, proto, port), 'allow');
  const s = resolvePrincipal(doc, src);
  const d = resolvePrincipal(doc, dst);
  if (s.kind === 'unresolved' || d.kind === 'unresolved') return { allowed: false, verdict: 'unproven', reason: s.kind === 'unresolved' ? s.reason : (d as { reason: string }).reason };
  return connectPrincipals(doc, s, d, proto, port);
}

export function connectPrincipals(doc: PolicyDocument, src: Principal, dst: Principal, proto: Protocol, port: number): ConnectResult {
  let unproven: ConnectResult | undefined;
  for (const from of networkRulesFrom(doc, src)) {
    const rule = from.rule;
    for (const reach of ruleReach(doc, from, src, dst)) {
      const opens = reach.ranges.some((r) => r.proto === proto && r.from <= port && port <= r.to);
      if (!opens && reach.unreadable === undefined) continue;
      if (opens && reach.match.v === 'yes') return { allowed: true, verdict: 'allow', rule: rule.description };
      const why = !opens ? `its port entry cannot be read (${reach.unreadable})` : (reach.match as { why: string }).why;
      unproven ??= { allowed: false, verdict: 'unproven', rule: rule.description, reason: why };
    }
  }
  return unproven ?? { allowed: false, verdict: 'deny' };
}

/**
 * A group stands for its members: allowed when every member is, denied when every member is,
 * unproven otherwise (and for a group without members, which matches nobody).
 */
function forEveryMember(doc: PolicyDocument, group: string, ask: (member: string) => ConnectResult, _expected: 'allow'): ConnectResult {
  const results = (doc.groups?.[group] ?? []).map(ask);
  if (results.length === 0) return { allowed: false, verdict: 'unproven', reason: `${group} has no members` };
  if (results.every((r) => r.verdict === 'allow')) return results[0]!;
  if (results.every((r) => r.verdict === 'deny')) return { allowed: false, verdict: 'deny' };
  const some = results.find((r) => r.verdict !== 'deny')!;
  return { allowed: false, verdict: 'unproven', ...(some.rule ? { rule: some.rule } : {}), reason: `the members of ${group} get different answers` };
}

/** Sorted, merged, inclusive ranges. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const merged: PortRange[] = [];
  for (const range of [...ranges].sort((a, b) => a.from - b.from)) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to + 1) merged[merged.length - 1] = { ...last, to: Math.max(last.to, range.to) };
    else merged.push(range);
  }
  return merged;
}

/** `ranges` minus `minus`, both of one protocol. */
export function subtractRanges(ranges: readonly PortRange[], minus: readonly PortRange[]): PortRange[] {
  let rest = mergeRanges(ranges);
  for (const m of minus) {
    rest = rest.flatMap((r) => {
      if (m.to < r.from || m.from > r.to) return [r];
      return [...(r.from < m.from ? [{ ...r, to: m.from - 1 }] : []), ...(r.to > m.to ? [{ ...r, from: m.to + 1 }] : [])];
    });
  }
  return rest;
}

/** One rule's share of what a source may reach on a destination. */
export interface Opening {
  readonly rule: string;
  readonly section: 'grants' | 'acls';
  readonly index: number;
  readonly verdict: 'allow' | 'unproven';
  readonly ranges: readonly PortRange[];
  readonly reason?: string;
}

/** Every rule that opens (or may open) some `proto` port from `src` to `dst`, with the ranges. */
export function openings(doc: PolicyDocument, src: Principal, dst: Principal, proto: Protocol): Opening[] {
  const found: Opening[] = [];
  for (const from of networkRulesFrom(doc, src)) {
    const rule = from.rule;
    for (const reach of ruleReach(doc, from, src, dst)) {
      const ranges = reach.unreadable !== undefined ? [{ proto, from: 1, to: 65535 }] : mergeRanges(reach.ranges.filter((r) => r.proto === proto));
      if (ranges.length === 0) continue;
      const definite = reach.match.v === 'yes' && reach.unreadable === undefined;
      found.push({
        rule: rule.description, section: rule.section, index: rule.index, verdict: definite ? 'allow' : 'unproven', ranges,
        ...(definite ? {} : { reason: reach.unreadable ?? (reach.match as { why: string }).why }),
      });
    }
  }
  return found;
}

/** What `src` may reach on `dst` over `proto`: proven ranges, and ranges only unproven rules open. */
export function reach(doc: PolicyDocument, src: string, dst: string, proto: Protocol): { allow: PortRange[]; unproven: PortRange[] } {
  if (selectorKind(src) === 'group') {
    // Proven for the group: what every member is proven to reach; anything any member may reach beyond that is unproven.
    const members = (doc.groups?.[src] ?? []).map((m) => reach(doc, m, dst, proto));
    if (members.length === 0) return { allow: [], unproven: [] };
    let allow = members[0]!.allow;
    for (const m of members.slice(1)) allow = subtractRanges(allow, subtractRanges(allow, m.allow));
    const any = mergeRanges(members.flatMap((m) => [...m.allow, ...m.unproven]));
    return { allow, unproven: subtractRanges(any, allow) };
  }
  const s = resolvePrincipal(doc, src);
  const d = resolvePrincipal(doc, dst);
  if (s.kind === 'unresolved' || d.kind === 'unresolved') return { allow: [], unproven: [{ proto, from: 1, to: 65535 }] };
  const all = openings(doc, s, d, proto);
  const allow = mergeRanges(all.filter((o) => o.verdict === 'allow').flatMap((o) => o.ranges));
  return { allow, unproven: subtractRanges(all.filter((o) => o.verdict === 'unproven').flatMap((o) => o.ranges), allow) };
}

/** Every port `src` is proven to reach on `dst` over `proto`, as sorted, merged, inclusive ranges. */
export function reachablePorts(doc: PolicyDocument, src: string, dst: string, proto: Protocol): PortRange[] {
  return reach(doc, src, dst, proto).allow;
}

export type SshVerdict = 'accept' | 'check' | 'deny' | 'unproven';

export interface SshResult {
  readonly allowed: boolean;
  readonly verdict: SshVerdict;
  readonly action?: 'accept' | 'check';
  /** The SSH rule that decided it (or, when unproven, the first that might). */
  readonly rule?: string;
  readonly reason?: string;
}

/** Does an SSH rule's `users` list let `src` in as `user`? */
function sshUserMatch(users: readonly string[], user: string, src: Principal): Match {
  return anyOf(users.map((entry): Match => {
    if (entry === user) return YES;
    if (entry === 'autogroup:nonroot') return user === 'root' ? NO : YES;
    const localpart = /^localpart:\*@(.+)$/.exec(entry);
    if (localpart) return src.kind === 'user' && src.name === `${user}@${localpart[1]}` ? YES : NO;
    if (entry.startsWith('autogroup:') || entry.includes('*')) return maybe(`SSH user ${JSON.stringify(entry)} is not one the evaluator reads`);
    return NO;
  }));
}

/** The SSH rules in evaluation order: every `check` rule, then every `accept` rule, each in document order. */
export function sshEvaluationOrder(doc: PolicyDocument): { rule: SshRule; index: number }[] {
  return readDocument(doc).sshOrder.map(({ rule, index }) => ({ rule, index }));
}

/** May `src` log in to `dst` as `user` over Tailscale SSH, and with which action? */
export function canSsh(doc: PolicyDocument, src: string, dst: string, user: string): SshResult {
  if (selectorKind(src) === 'group') {
    const results = (doc.groups?.[src] ?? []).map((member) => canSsh(doc, member, dst, user));
    const verdicts = new Set(results.map((r) => r.verdict));
    if (results.length === 0) return { allowed: false, verdict: 'unproven', reason: `${src} has no members` };
    if (verdicts.size === 1) return results[0]!;
    return { allowed: false, verdict: 'unproven', reason: `the members of ${src} get different answers`, ...(results.find((r) => r.rule) ? { rule: results.find((r) => r.rule)!.rule } : {}) };
  }
  const s = resolvePrincipal(doc, src);
  const d = resolvePrincipal(doc, dst);
  if (s.kind === 'unresolved' || d.kind === 'unresolved') return { allowed: false, verdict: 'unproven', reason: s.kind === 'unresolved' ? s.reason : (d as { reason: string }).reason };
  return sshPrincipals(doc, s, d, user);
}

export function sshPrincipals(doc: PolicyDocument, src: Principal, dst: Principal, user: string): SshResult {
  const possible = new Set<SshVerdict>();
  let first: { rule: string; reason?: string } | undefined;
  for (const from of sshRulesFrom(doc, src)) {
    const { rule, description } = from.rule;
    const action = rule.action as 'accept' | 'check';
    const match = allOf([from.match, anySelector(doc, rule.dst, dst, src), sshUserMatch(rule.users ?? [], user, src)]);
    if (match.v === 'no') continue;
    first ??= { rule: description, ...(match.v === 'maybe' ? { reason: match.why } : {}) };
    possible.add(action);
    if (match.v === 'yes') {
      if (possible.size === 1) return { allowed: true, verdict: action, action, rule: description };
      return { allowed: false, verdict: 'unproven', rule: first.rule, reason: first.reason };
    }
  }
  possible.add('deny');
  if (possible.size === 1) return { allowed: false, verdict: 'deny' };
  return { allowed: false, verdict: 'unproven', rule: first?.rule, reason: first?.reason };
}

/** A test expectation that does not hold, that the control plane would reject, or that cannot be proven offline. */
export interface PolicyTestOutcome {
  readonly section: 'tests' | 'sshTests';
  readonly index: number;
  /** The test, e.g. `tests[3] (src tag:tuist-macmini-canary, tcp)`. */
  readonly test: string;
  /** What the test expected, e.g. `deny tag:tuist-k8s-production:5432`. */
  readonly expectation: string;
  readonly outcome: 'fail' | 'rejected' | 'unproven';
  /** The rule that decided the outcome, when one did. */
  readonly rule?: string;
  readonly message: string;
}

/** A failing or rejected test expectation (what stops a write). */
export type PolicyTestFailure = PolicyTestOutcome;

/** Runs every `tests` and `sshTests` entry; the failing and rejected ones (an empty list: all hold or are unproven). */
export function runPolicyTests(doc: PolicyDocument): PolicyTestFailure[] {
  return evaluatePolicyTests(doc).filter((o) => o.outcome !== 'unproven');
}

/** Every test expectation that does not plainly pass: failing, rejected by the control plane, or unproven. */
export function evaluatePolicyTests(doc: PolicyDocument): PolicyTestOutcome[] {
  return withReadCache(() => [...runNetworkTests(doc), ...runSshTests(doc)]);
}

/**
 * Why the control plane would reject a test naming `name` as its source or a destination: it
 * must name something that can exist (a declared tag, a non-empty group, a declared host, a user
 * or an address), and its test engine does not resolve autogroups or `*`.
 */
export function testTargetRejection(doc: PolicyDocument, name: string, role: 'source' | 'destination'): string | undefined {
  const kind = selectorKind(name);
  if (kind === 'autogroup' || kind === 'wildcard') return `${JSON.stringify(name)} as a test ${role} is rejected by the control plane: its test engine does not resolve ${kind === 'wildcard' ? '"*"' : 'autogroups'}. Fix: name a tag, user or group.`;
  if (kind === 'tag' && !(name in (doc.tagOwners ?? {}))) return `${JSON.stringify(name)} is not declared in tagOwners, so no device can carry it and the control plane rejects the test. Fix: declare the tag, or test a declared one.`;
  if (kind === 'group' && !isSyncedGroup(name)) {
    if (role === 'destination') return `${JSON.stringify(name)}: a group is not a test destination. Fix: name a tag, user, host or address with a port.`;
    if (!(name in (doc.groups ?? {}))) return `${JSON.stringify(name)} is not declared in groups, so the control plane rejects the test. Fix: declare the group, or test a declared one.`;
    if ((doc.groups[name] ?? []).length === 0) return `${JSON.stringify(name)} has no members, so the test's source matches nobody and the control plane rejects it. Fix: test a member, or a group with members.`;
  }
  if (kind === 'host' && doc.hosts?.[name] === undefined) return `${JSON.stringify(name)} is not declared in hosts, so the control plane rejects the test. Fix: declare the host, or test a tag.`;
  if (kind === 'unsupported') return `${JSON.stringify(name)} is not a tag, group, user, host or address, so the control plane rejects the test.`;
  return undefined;
}

/** Combines the verdicts of every principal a test source stands for: each must meet the expectation. */
function combine<T extends { verdict: string; rule?: string; reason?: string }>(results: readonly T[], expected: string): { met: 'yes' | 'no' | 'maybe'; decisive?: T } {
  const unmet = results.find((r) => r.verdict !== expected && r.verdict !== 'unproven');
  if (unmet) return { met: 'no', decisive: unmet };
  const open = results.find((r) => r.verdict === 'unproven');
  return open ? { met: 'maybe', decisive: open } : { met: 'yes' };
}

function runNetworkTests(doc: PolicyDocument): PolicyTestOutcome[] {
  const outcomes: PolicyTestOutcome[] = [];
  (doc.tests ?? []).forEach((test, index) => {
    const proto = parseTestProtocol(test.proto);
    const name = `tests[${index}] (src ${test.src}${proto.ok ? `, ${proto.value}` : ''})`;
    const add = (o: Omit<PolicyTestOutcome, 'section' | 'index' | 'test'>): void => { outcomes.push({ section: 'tests', index, test: name, ...o }); };
    if (!proto.ok) return add({ expectation: 'a protocol', outcome: 'rejected', message: `${name}: ${proto.reason}.` });
    const srcRejection = testTargetRejection(doc, test.src, 'source');
    if (srcRejection) return add({ expectation: `source ${test.src}`, outcome: 'rejected', message: `${name}: ${srcRejection}` });
    const sources = principalsOf(doc, test.src);
    for (const [expected, targets] of [['accept', test.accept ?? []], ['deny', test.deny ?? []]] as const) {
      for (const target of targets) {
        const expectation = `${expected} ${target}`;
        const parsed = parseTestTarget(target);
        if (!parsed.ok) { add({ expectation, outcome: 'rejected', message: `${name}: ${parsed.reason}.` }); continue; }
        const dstRejection = testTargetRejection(doc, parsed.value.host, 'destination');
        if (dstRejection) { add({ expectation, outcome: 'rejected', message: `${name}: ${dstRejection}` }); continue; }
        const dst = resolvePrincipal(doc, parsed.value.host);
        const results = sources.map((s): ConnectResult => (s.kind === 'unresolved' || dst.kind === 'unresolved'
          ? { allowed: false, verdict: 'unproven', reason: s.kind === 'unresolved' ? s.reason : (dst as { reason: string }).reason }
          : connectPrincipals(doc, s, dst, proto.value, parsed.value.port)));
        const { met, decisive } = combine(results, expected === 'accept' ? 'allow' : 'deny');
        if (met === 'yes') continue;
        if (met === 'maybe') {
          add({ expectation, outcome: 'unproven', rule: decisive?.rule, message: `${name}: whether ${test.src} ${expected === 'accept' ? 'reaches' : 'is denied'} ${target} over ${proto.value} is unproven: ${decisive?.rule ? `${decisive.rule} may allow it, but ` : ''}${decisive?.reason ?? 'it depends on something the policy does not say'}.` });
        } else if (expected === 'accept') {
          add({ expectation, outcome: 'fail', message: `${name}: expected ${test.src} to reach ${target} over ${proto.value}, but no grant allows it.` });
        } else {
          add({ expectation, outcome: 'fail', rule: decisive?.rule, message: `${name}: expected ${test.src} to be denied ${target} over ${proto.value}, but ${decisive?.rule} allows it.` });
        }
      }
    }
  });
  return outcomes;
}

function runSshTests(doc: PolicyDocument): PolicyTestOutcome[] {
  const outcomes: PolicyTestOutcome[] = [];
  (doc.sshTests ?? []).forEach((test, index) => {
    const name = `sshTests[${index}] (src ${test.src})`;
    const add = (o: Omit<PolicyTestOutcome, 'section' | 'index' | 'test'>): void => { outcomes.push({ section: 'sshTests', index, test: name, ...o }); };
    const srcRejection = testTargetRejection(doc, test.src, 'source');
    if (srcRejection) return add({ expectation: `source ${test.src}`, outcome: 'rejected', message: `${name}: ${srcRejection}` });
    const sources = principalsOf(doc, test.src);
    for (const dstName of test.dst ?? []) {
      const dstRejection = testTargetRejection(doc, dstName, 'destination');
      if (dstRejection) { add({ expectation: `destination ${dstName}`, outcome: 'rejected', message: `${name}: ${dstRejection}` }); continue; }
      const dst = resolvePrincipal(doc, dstName);
      for (const [expected, users] of [['accept', test.accept ?? []], ['check', test.check ?? []], ['deny', test.deny ?? []]] as const) {
        for (const user of users) {
          const expectation = `${expected} ${user}@${dstName}`;
          const results = sources.map((s): SshResult => (s.kind === 'unresolved' || dst.kind === 'unresolved'
            ? { allowed: false, verdict: 'unproven', reason: s.kind === 'unresolved' ? s.reason : (dst as { reason: string }).reason }
            : sshPrincipals(doc, s, dst, user)));
          const { met, decisive } = combine(results, expected);
          if (met === 'yes') continue;
          if (met === 'maybe') {
            add({ expectation, outcome: 'unproven', rule: decisive?.rule, message: `${name}: "${expected}" for ${test.src} as ${user}@${dstName} is unproven: ${decisive?.rule ? `${decisive.rule} may decide it, and ` : ''}${decisive?.reason ?? 'it depends on something the policy does not say'}.` });
            continue;
          }
          const actual = decisive?.verdict === 'deny' ? 'no SSH rule lets it in' : `${decisive?.rule} lets it in with "${decisive?.verdict}"`;
          add({ expectation, outcome: 'fail', rule: decisive?.rule, message: `${name}: expected "${expected}" for ${test.src} as ${user}@${dstName}, but ${actual}.` });
        }
      }
    }
  });
  return outcomes;
}
