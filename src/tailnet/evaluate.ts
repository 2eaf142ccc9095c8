/**
 * An offline evaluator of the policy semantics we use: tags, groups of users, grants with
 * `tcp:`/`udp:` ports and ranges, and Tailscale SSH rules with users. It answers "may this
 * source reach that destination" and runs a document's own `tests` and `sshTests`, so a
 * failing test fails synthesis with the test and the rule named, before the control plane
 * ever sees the policy.
 *
 * Semantics (Tailscale's, restricted to what we write):
 * - grants only ever add access; nothing is reachable unless some grant allows it;
 * - a source matches a selector when it is the selector, or is a user in the selector's
 *   group; `*` matches everything, `autogroup:tagged` every tag, `autogroup:member` every
 *   user. A group given as the source stands for a member of that group only, so grants
 *   naming individual users do not count for it;
 * - SSH rules are matched in order and the first rule that matches decides (`accept` or
 *   `check`); `autogroup:nonroot` stands for every user but `root`.
 * Entries outside this (hosts, IPs, other autogroups, other port forms) are reported as
 * unsupported by `runPolicyTests` instead of being guessed at.
 */
import type { Grant, PolicyDocument, SshRule } from './policy';
import {
  type PortRange, type Protocol, parsePortSpec, parseTestProtocol, parseTestTarget, selectorKind,
} from './syntax';

export interface ConnectResult {
  readonly allowed: boolean;
  /** The first grant that allows it, e.g. `grants[2] (tag:a → tag:b on tcp:5432)`. */
  readonly rule?: string;
}

export interface SshResult {
  readonly allowed: boolean;
  readonly action?: 'accept' | 'check';
  /** The SSH rule that decided it, e.g. `ssh[0] (accept tag:a → tag:b as admin)`. */
  readonly rule?: string;
}

/** Autogroups the evaluator understands as `src`/`dst` selectors, and what each matches. */
const AUTOGROUP_SELECTORS: Readonly<Record<string, (principal: string) => boolean>> = {
  'autogroup:tagged': (principal) => selectorKind(principal) === 'tag',
  'autogroup:member': (principal) => selectorKind(principal) === 'user',
};
const NONROOT = 'autogroup:nonroot';

/** True when `selector` (a grant's or SSH rule's `src`/`dst` entry) covers `principal`. */
export function selectorMatches(doc: PolicyDocument, selector: string, principal: string): boolean {
  if (selector === '*' || selector === principal) return true;
  const autogroup = AUTOGROUP_SELECTORS[selector];
  if (autogroup) return autogroup(principal);
  return selectorKind(selector) === 'group' && selectorKind(principal) === 'user' && (doc.groups[selector] ?? []).includes(principal);
}

function anyMatches(doc: PolicyDocument, selectors: readonly string[], principal: string): boolean {
  return selectors.some((selector) => selectorMatches(doc, selector, principal));
}

/** The port ranges a grant opens (entries it cannot parse open nothing; `runPolicyTests` reports them). */
function grantRanges(grant: Grant): PortRange[] {
  return grant.ip.flatMap((spec) => {
    const parsed = parsePortSpec(spec);
    return parsed.ok ? parsed.value : [];
  });
}

export function describeGrant(grant: Grant, index: number): string {
  return `grants[${index}] (${grant.src.join(', ')} → ${grant.dst.join(', ')} on ${grant.ip.join(', ')})`;
}

export function describeSshRule(rule: SshRule, index: number): string {
  return `ssh[${index}] (${rule.action} ${rule.src.join(', ')} → ${rule.dst.join(', ')} as ${rule.users.join(', ')})`;
}

/** May `src` (a tag, group or user) open a connection to `dst` on `proto`/`port`? */
export function canConnect(doc: PolicyDocument, src: string, dst: string, proto: Protocol, port: number): ConnectResult {
  const index = doc.grants.findIndex((grant) =>
    anyMatches(doc, grant.src, src) && anyMatches(doc, grant.dst, dst)
    && grantRanges(grant).some((r) => r.proto === proto && r.from <= port && port <= r.to));
  return index < 0 ? { allowed: false } : { allowed: true, rule: describeGrant(doc.grants[index]!, index) };
}

/** Every port `src` may reach on `dst` over `proto`, as sorted, merged, inclusive ranges. */
export function reachablePorts(doc: PolicyDocument, src: string, dst: string, proto: Protocol): PortRange[] {
  const ranges = doc.grants
    .filter((grant) => anyMatches(doc, grant.src, src) && anyMatches(doc, grant.dst, dst))
    .flatMap(grantRanges)
    .filter((r) => r.proto === proto)
    .sort((a, b) => a.from - b.from);
  const merged: PortRange[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to + 1) merged[merged.length - 1] = { ...last, to: Math.max(last.to, range.to) };
    else merged.push(range);
  }
  return merged;
}

function userMatches(users: readonly string[], user: string): boolean {
  return users.includes(user) || (users.includes(NONROOT) && user !== 'root');
}

/** May `src` log in to `dst` as `user` over Tailscale SSH, and with which action? */
export function canSsh(doc: PolicyDocument, src: string, dst: string, user: string): SshResult {
  const index = doc.ssh.findIndex((rule) =>
    anyMatches(doc, rule.src, src) && anyMatches(doc, rule.dst, dst) && userMatches(rule.users, user));
  if (index < 0) return { allowed: false };
  const rule = doc.ssh[index]!;
  return { allowed: true, action: rule.action, rule: describeSshRule(rule, index) };
}

/** A policy test that does not hold, or an entry the evaluator cannot judge. */
export interface PolicyTestFailure {
  /** The test, e.g. `tests[3] (src tag:tuist-macmini-canary, tcp)`; for an unsupported entry, its path. */
  readonly test: string;
  /** What the test expected, e.g. `deny tag:tuist-k8s-production:5432`. */
  readonly expectation: string;
  /** The rule that decided the outcome, when one did. */
  readonly rule?: string;
  readonly message: string;
}

/** Runs every `tests` and `sshTests` entry; an empty list means they all hold. */
export function runPolicyTests(doc: PolicyDocument): PolicyTestFailure[] {
  return [...unsupportedEntries(doc), ...runNetworkTests(doc), ...runSshTests(doc)];
}

function runNetworkTests(doc: PolicyDocument): PolicyTestFailure[] {
  const failures: PolicyTestFailure[] = [];
  doc.tests.forEach((test, i) => {
    const proto = parseTestProtocol(test.proto);
    const name = `tests[${i}] (src ${test.src}${proto.ok ? `, ${proto.value}` : ''})`;
    if (!proto.ok) {
      failures.push({ test: name, expectation: 'a protocol', message: `${name}: ${proto.reason}.` });
      return;
    }
    for (const [expected, targets] of [['accept', test.accept ?? []], ['deny', test.deny ?? []]] as const) {
      for (const target of targets) {
        const expectation = `${expected} ${target}`;
        const parsed = parseTestTarget(target);
        if (!parsed.ok) {
          failures.push({ test: name, expectation, message: `${name}: ${parsed.reason}.` });
          continue;
        }
        const result = canConnect(doc, test.src, parsed.value.host, proto.value, parsed.value.port);
        if (expected === 'accept' && !result.allowed) {
          failures.push({ test: name, expectation, message: `${name}: expected ${test.src} to reach ${target} over ${proto.value}, but no grant allows it.` });
        } else if (expected === 'deny' && result.allowed) {
          failures.push({ test: name, expectation, rule: result.rule, message: `${name}: expected ${test.src} to be denied ${target} over ${proto.value}, but ${result.rule} allows it.` });
        }
      }
    }
  });
  return failures;
}

function runSshTests(doc: PolicyDocument): PolicyTestFailure[] {
  const failures: PolicyTestFailure[] = [];
  doc.sshTests.forEach((test, i) => {
    const name = `sshTests[${i}] (src ${test.src})`;
    for (const dst of test.dst) {
      for (const [expected, users] of [['accept', test.accept ?? []], ['check', test.check ?? []], ['deny', test.deny ?? []]] as const) {
        for (const user of users) {
          const expectation = `${expected} ${user}@${dst}`;
          const result = canSsh(doc, test.src, dst, user);
          const outcome = result.allowed ? result.action! : 'deny';
          if (outcome === expected) continue;
          const actual = result.allowed ? `${result.rule} lets it in with "${result.action}"` : 'no SSH rule lets it in';
          failures.push({ test: name, expectation, rule: result.rule, message: `${name}: expected "${expected}" for ${test.src} as ${user}@${dst}, but ${actual}.` });
        }
      }
    }
  });
  return failures;
}

/** Entries whose meaning the evaluator does not model: no test result could be trusted with them. */
function unsupportedEntries(doc: PolicyDocument): PolicyTestFailure[] {
  const failures: PolicyTestFailure[] = [];
  const unsupported = (path: string, value: string, why: string): void => {
    failures.push({ test: path, expectation: 'an entry the offline evaluator understands', message: `${path}: ${JSON.stringify(value)} ${why}, so the offline evaluator cannot judge the policy's tests. Fix: use tags, groups or users and "tcp:N"/"udp:N-M" ports.` });
  };
  const checkSelectors = (section: string, index: number, field: string, selectors: readonly string[]): void => {
    selectors.forEach((selector, j) => {
      const kind = selectorKind(selector);
      if (kind === 'unsupported' || (kind === 'autogroup' && !AUTOGROUP_SELECTORS[selector])) {
        unsupported(`${section}[${index}].${field}[${j}]`, selector, 'is not a tag, group, user or supported autogroup');
      }
    });
  };
  doc.grants.forEach((grant, i) => {
    checkSelectors('grants', i, 'src', grant.src);
    checkSelectors('grants', i, 'dst', grant.dst);
    grant.ip.forEach((spec, j) => {
      const parsed = parsePortSpec(spec);
      if (!parsed.ok) unsupported(`grants[${i}].ip[${j}]`, spec, `is not a port spec we model (${parsed.reason})`);
    });
  });
  doc.ssh.forEach((rule, i) => {
    checkSelectors('ssh', i, 'src', rule.src);
    checkSelectors('ssh', i, 'dst', rule.dst);
    rule.users.forEach((user, j) => {
      if (user.includes('*') || (user.startsWith('autogroup:') && user !== NONROOT) || user.startsWith('localpart:')) {
        unsupported(`ssh[${i}].users[${j}]`, user, 'is not a user name or autogroup:nonroot');
      }
    });
  });
  return failures;
}
