/**
 * Validation of policy documents and fragments: every problem at once, each saying what is
 * wrong, where (tailnet and path), the value, what is allowed and the fix. Least privilege is
 * checked here by construction: no wildcard, no undeclared or foreign tag, no root login.
 */
import { isTailscaleTag, TAILSCALE_TAG_RULE } from '../config/syntax';
import { type Attribution, type TagOwnership, attributeRule } from './attribution';
import { ROOT_USER } from './fragments';
import { BASE_OWNER, type PolicyDocument, type PolicyFragment } from './policy';
import {
  WIDE_PORT_THRESHOLD, aclProtocols, coveredPortCount, isWildcardPortSpec, parseAclDestination, parsePortSpec, parseTestTarget, selectorKind,
} from './syntax';

export interface PolicyProblem {
  readonly tailnet: string;
  /** Path inside the document or fragment, e.g. `grants[3].src[0]` or `fragment "canary" tests[1].src`. */
  readonly path: string;
  readonly message: string;
}

export function formatPolicyProblem(problem: PolicyProblem): string {
  return `tailnet "${problem.tailnet}", ${problem.path}: ${problem.message}`;
}

export interface PolicyContext {
  readonly tailnet: string;
  /** Which environment (or the base) owns each tag on this tailnet. */
  readonly ownership: TagOwnership;
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** The user roles Tailscale offers as autogroups; they may own tags. */
const ROLE_AUTOGROUPS = ['autogroup:owner', 'autogroup:admin', 'autogroup:it-admin', 'autogroup:network-admin'];

/** Fields each rule may have; anything else (e.g. `app`, `via`, postures) is outside what we evaluate. */
/** Fields our fragments may write (people-owned entries may use the whole language). */
const ALLOWED_FIELDS = {
  grants: ['src', 'dst', 'ip'],
  ssh: ['action', 'src', 'dst', 'users'],
  tests: ['src', 'proto', 'accept', 'deny'],
  sshTests: ['src', 'dst', 'accept', 'deny', 'check'],
} as const;

class Problems {
  readonly list: PolicyProblem[] = [];
  constructor(private readonly tailnet: string, private readonly prefix = '') {}
  add(path: string, message: string): void {
    this.list.push({ tailnet: this.tailnet, path: `${this.prefix}${path}`, message });
  }
}

/** Problems of one composed document (undeclared names, wildcards, foreign tags, root, `check` from tags). */
export function validatePolicyDocument(doc: PolicyDocument, context: PolicyContext): PolicyProblem[] {
  const p = new Problems(context.tailnet);
  checkReferences(p, doc, new Set(Object.keys(doc.tagOwners)), new Set(Object.keys(doc.groups)));

  for (const [group, members] of Object.entries(doc.groups)) {
    if (selectorKind(group) !== 'group') p.add(`groups[${show(group)}]`, `${show(group)} is not a group name; groups are named "group:<name>".`);
    members.forEach((member, i) => {
      if (selectorKind(member) !== 'user') p.add(`groups[${show(group)}][${i}]`, `${show(member)} is not a user (an email-like login); groups hold users only.`);
    });
  }
  for (const [tag, owners] of Object.entries(doc.tagOwners)) {
    const where = `tagOwners[${show(tag)}]`;
    if (!isTailscaleTag(tag)) p.add(where, `${show(tag)} is not a Tailscale tag: ${TAILSCALE_TAG_RULE}.`);
    const tagOwner = context.ownership.get(tag);
    owners.forEach((owner, i) => {
      const ownerEnv = context.ownership.get(owner);
      if (selectorKind(owner) === 'tag' && tagOwner !== undefined && ownerEnv !== undefined && ownerEnv !== BASE_OWNER && ownerEnv !== tagOwner) {
        p.add(`${where}[${i}]`, `${show(owner)} belongs to environment "${ownerEnv}" but owns ${show(tag)} of ${tagOwner === BASE_OWNER ? 'the base' : `environment "${tagOwner}"`}, so it could mint that environment's devices. Fix: let only the environment's own tags (or the admins) own it.`);
      }
    });
  }

  doc.grants.forEach((grant, i) => {
    checkFields(p, `grants[${i}]`, grant, ALLOWED_FIELDS.grants);
    (grant.ip ?? []).forEach((spec, j) => {
      const parsed = parsePortSpec(spec);
      if (isWildcardPortSpec(spec)) p.add(`grants[${i}].ip[${j}]`, `${show(spec)} opens every port; name each port ("tcp:5432") or a narrow range ("tcp:8000-8010").`);
      else if (!parsed.ok) p.add(`grants[${i}].ip[${j}]`, `${parsed.reason}.`);
    });
    checkSingleEnvironment(p, `grants[${i}]`, attributeRule({ section: 'grants', rule: grant }, context.ownership));
  });

  doc.ssh.forEach((rule, i) => {
    const where = `ssh[${i}]`;
    checkFields(p, where, rule, ALLOWED_FIELDS.ssh);
    if (rule.action !== 'accept' && rule.action !== 'check') p.add(`${where}.action`, `${show(rule.action)} is not an SSH action; use "accept" (tags) or "check" (people).`);
    if (rule.action === 'check') {
      rule.src.forEach((src, j) => {
        if (selectorKind(src) === 'tag') p.add(`${where}.src[${j}]`, `${show(src)} is a tag, and tag sources cannot use "check" (nobody is there to re-authenticate). Fix: use "accept" for tag sources.`);
      });
    }
    rule.users.forEach((user, j) => {
      const problem = sshUserProblem(user);
      if (problem) p.add(`${where}.users[${j}]`, problem);
      else if (user.includes('*') || user.startsWith('autogroup:') || user.startsWith('localpart:')) {
        p.add(`${where}.users[${j}]`, `${show(user)} is a wildcard user; name each account (e.g. "admin").`);
      }
    });
    checkSingleEnvironment(p, where, attributeRule({ section: 'ssh', rule }, context.ownership));
  });

  doc.tests.forEach((test, i) => checkFields(p, `tests[${i}]`, test, ALLOWED_FIELDS.tests));
  doc.sshTests.forEach((test, i) => checkFields(p, `sshTests[${i}]`, test, ALLOWED_FIELDS.sshTests));
  return p.list;
}

/**
 * Problems of one fragment on its own: it may only name its own tags and the base's (an
 * environment naming another's tag is how canary's proxy once carried production's tag).
 */
export function validatePolicyFragment(fragment: PolicyFragment, context: PolicyContext): PolicyProblem[] {
  const p = new Problems(context.tailnet, `fragment "${fragment.owner}" `);
  for (const [tag, owner] of context.ownership) {
    if (fragment.tags.includes(tag) && owner !== fragment.owner) p.add(`tags`, `claims ${show(tag)}, which belongs to ${owner === BASE_OWNER ? 'the base' : `environment "${owner}"`}.`);
  }
  for (const tag of Object.keys(fragment.tagOwners)) {
    if (!fragment.tags.includes(tag)) p.add(`tagOwners[${show(tag)}]`, `declares ${show(tag)}, which is not one of the fragment's own tags (${fragment.tags.join(', ') || 'none'}). Fix: declare each tag in its owner's fragment.`);
  }
  forEachReference(fragment, (path, name) => {
    if (selectorKind(name) !== 'tag') return;
    const owner = context.ownership.get(name);
    if (owner === undefined || owner === fragment.owner || owner === BASE_OWNER) return;
    p.add(path, `${show(name)} belongs to environment "${owner}"; fragment "${fragment.owner}" may name only its own tags (${fragment.tags.join(', ')}) and the base's. Fix: move the rule to "${owner}", or use this environment's tag.`);
  });
  return p.list;
}

/** Problems across the fragments of one tailnet: each owner once, each tag owned and each name declared once. */
export function validateFragmentSet(fragments: readonly PolicyFragment[], tailnet: string): PolicyProblem[] {
  const p = new Problems(tailnet);
  const seen = new Map<string, string>();
  fragments.forEach((fragment, i) => {
    if (fragments.findIndex((f) => f.owner === fragment.owner) !== i) p.add(`fragment "${fragment.owner}"`, 'appears twice; each environment contributes one fragment.');
    for (const tag of fragment.tags) {
      const first = seen.get(`tags\0${tag}`);
      if (first !== undefined) p.add(`fragment "${fragment.owner}" tags`, `claims ${show(tag)}, which fragment "${first}" already owns; a tag has one owner.`);
      else seen.set(`tags\0${tag}`, fragment.owner);
    }
    for (const section of ['groups', 'tagOwners'] as const) {
      for (const key of Object.keys(fragment[section])) {
        const first = seen.get(`${section}\0${key}`);
        if (first !== undefined) p.add(`fragment "${fragment.owner}" ${section}[${show(key)}]`, `is already declared by fragment "${first}"; a name is declared once, by its owner.`);
        else seen.set(`${section}\0${key}`, fragment.owner);
      }
    }
  });
  return p.list;
}

/** Calls `visit` for every tag, group or user a document names, with its path. */
function forEachReference(doc: PolicyDocument, visit: (path: string, name: string) => void): void {
  for (const [tag, owners] of Object.entries(doc.tagOwners ?? {})) (owners ?? []).forEach((o, i) => visit(`tagOwners[${show(tag)}][${i}]`, o));
  (doc.grants ?? []).forEach((g, i) => {
    (g.src ?? []).forEach((s, j) => visit(`grants[${i}].src[${j}]`, s));
    (g.dst ?? []).forEach((d, j) => visit(`grants[${i}].dst[${j}]`, d));
  });
  (doc.acls ?? []).forEach((a, i) => {
    (a.src ?? []).forEach((s, j) => visit(`acls[${i}].src[${j}]`, s));
    (a.dst ?? []).forEach((d, j) => {
      const parsed = parseAclDestination(d);
      visit(`acls[${i}].dst[${j}]`, parsed.ok ? parsed.value.host : d);
    });
  });
  (doc.ssh ?? []).forEach((r, i) => {
    (r.src ?? []).forEach((s, j) => visit(`ssh[${i}].src[${j}]`, s));
    (r.dst ?? []).forEach((d, j) => visit(`ssh[${i}].dst[${j}]`, d));
  });
  (doc.tests ?? []).forEach((t, i) => {
    visit(`tests[${i}].src`, t.src);
    for (const list of ['accept', 'deny'] as const) {
      (t[list] ?? []).forEach((target, j) => {
        const parsed = parseTestTarget(target);
        visit(`tests[${i}].${list}[${j}]`, parsed.ok ? parsed.value.host : target);
      });
    }
  });
  (doc.sshTests ?? []).forEach((t, i) => {
    visit(`sshTests[${i}].src`, t.src);
    (t.dst ?? []).forEach((d, j) => visit(`sshTests[${i}].dst[${j}]`, d));
  });
  for (const [route, approvers] of Object.entries(doc.autoApprovers?.routes ?? {})) (approvers ?? []).forEach((a, i) => visit(`autoApprovers.routes[${show(route)}][${i}]`, a));
  (doc.autoApprovers?.exitNode ?? []).forEach((a, i) => visit(`autoApprovers.exitNode[${i}]`, a));
}

function checkReferences(p: Problems, doc: PolicyDocument, tags: ReadonlySet<string>, groups: ReadonlySet<string>): void {
  forEachReference(doc, (path, name) => {
    const kind = selectorKind(name);
    if (kind === 'tag' && !tags.has(name)) {
      p.add(path, `${show(name)} is not declared in tagOwners; the control plane rejects rules and tests naming undeclared tags. Fix: declare it in its environment's fragment, or use a declared tag.`);
    } else if (kind === 'group' && !groups.has(name)) {
      p.add(path, `${show(name)} is not declared in groups. Fix: declare it (src/config/tailnets.ts) or use a declared group.`);
    } else if (kind === 'autogroup' && path.startsWith('tagOwners[') && ROLE_AUTOGROUPS.includes(name)) {
      // A role may own tags (the live tailnet: autogroup:admin); it grants no access.
    } else if (kind === 'wildcard' || kind === 'autogroup') {
      p.add(path, `${show(name)} is a wildcard; every rule names its tags, groups or users (default deny, least privilege).`);
    } else if (kind === 'unsupported' || kind === 'address' || kind === 'host') {
      const isTarget = /\.(accept|deny)\[/.test(path);
      p.add(path, `${show(name)} is not a tag, group or user${isTarget ? ' with a port ("tag:x:5432")' : ''}; hosts and addresses are not used in our policies.`);
    }
  });
}

function checkFields(p: Problems, where: string, entry: object, allowed: readonly string[]): void {
  for (const field of Object.keys(entry)) {
    if (!allowed.includes(field)) p.add(`${where}.${field}`, `is not a field we write or evaluate (allowed: ${allowed.join(', ')}). Fix: remove it, or teach src/tailnet/evaluate.ts its meaning first.`);
  }
}

function checkSingleEnvironment(p: Problems, where: string, attribution: Attribution): void {
  if (attribution.owner === undefined && attribution.why === 'cross-environment') {
    p.add(where, `${attribution.reason}; a rule never crosses environments. Fix: remove it, or split it into one rule per environment.`);
  }
}

/**
 * Port coverage that is a wildcard in all but name. A rule is refused when, for one protocol,
 * the union of its ranges covers at least WIDE_PORT_THRESHOLD (65534) of the 65535 ports (all
 * but one: `tcp:2-65535`, or `tcp:1-65534` plus `tcp:65535`, which splits a wildcard to hide it)
 * or every port from 1024 up (all but the well-known ports, IANA's 0-1023: the registered and
 * dynamic ranges hold every service a rule could mean, so such a rule is a wildcard for them).
 * Counting the union of the whole rule means splitting a range never gets past it.
 */
export const UNPRIVILEGED_PORTS = { from: 1024, to: 65535 } as const;

/**
 * System accounts nothing logs in to over Tailscale SSH: Debian's base-passwd static users
 * (base-passwd README, "users 0-99": root, daemon, bin, sys, sync, games, man, lp, mail, news,
 * uucp, proxy, www-data, backup, list, irc, gnats, nobody) and macOS's (root, daemon, nobody,
 * and every `_`-prefixed service account such as `_www`, `_sshd`; dscl . -list /Users).
 */
export const SYSTEM_ACCOUNTS: readonly string[] = [
  'root', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy', 'www-data', 'backup', 'list', 'irc', 'gnats', 'nobody',
];

export interface ReviewContext {
  readonly tailnet: string;
  /** The tailnet's user login domains (`TailnetConfig.userDomains`). */
  readonly userDomains: readonly string[];
}

/** Why an SSH user is not an account anyone should log in as, or undefined when it is fine. */
export function sshUserProblem(user: string): string | undefined {
  if (user !== user.trim() || /\s/.test(user)) return `${show(user)} has whitespace in it: it is not the account it reads as, and a reviewer cannot see the difference. Fix: write the account name exactly.`;
  if (user.toLowerCase() === ROOT_USER && user !== ROOT_USER) return `${show(user)} is root in another case: macOS resolves account names case-insensitively, so it logs in as root, and "autogroup:nonroot" does not exclude it. Fix: name a non-root account.`;
  if (user === ROOT_USER) return `"${ROOT_USER}" may not be an SSH user: nothing logs in as root. Fix: name a non-root account (the VMs' diagnostics account has no sudo).`;
  if (SYSTEM_ACCOUNTS.includes(user) || user.startsWith('_')) return `${show(user)} is a system account (Debian base-passwd, macOS "_" service accounts); nothing logs in as it. Fix: name a person's or a service's own account.`;
  return undefined;
}

/** Port specs of one rule whose union is a wildcard in all but name, with the covered count. */
export function widePortProblem(specs: readonly { proto: 'tcp' | 'udp'; from: number; to: number }[]): string | undefined {
  for (const proto of ['tcp', 'udp'] as const) {
    const ranges = specs.filter((r) => r.proto === proto);
    const covered = coveredPortCount(ranges);
    const upper = coveredPortCount([...ranges.map((r) => ({ from: Math.max(r.from, UNPRIVILEGED_PORTS.from), to: r.to }))].filter((r) => r.from <= r.to));
    if (covered >= WIDE_PORT_THRESHOLD) return `together its ports cover ${covered} of the 65535 ${proto} ports: a wildcard in all but name (the threshold is ${WIDE_PORT_THRESHOLD}, all but one port, however the ranges are split). Fix: name each port the service listens on.`;
    if (upper === UNPRIVILEGED_PORTS.to - UNPRIVILEGED_PORTS.from + 1) return `together its ports cover every ${proto} port from ${UNPRIVILEGED_PORTS.from} to ${UNPRIVILEGED_PORTS.to}: a wildcard for every service outside the well-known ports. Fix: name each port the service listens on.`;
  }
  return undefined;
}

/**
 * What a reviewer would refuse, in any document: ports that are a wildcard in all but name,
 * users outside the tailnet's domains (groups, grants, ACLs, SSH rules, tag owners) and SSH
 * users that are root in disguise or system accounts. Our fragments must have none (errors);
 * in the people-owned part they are reported, never rewritten.
 */
export function reviewPolicyDocument(doc: PolicyDocument, context: ReviewContext): PolicyProblem[] {
  const p = new Problems(context.tailnet);
  const domains = context.userDomains;
  const checkUser = (where: string, name: string): void => {
    if (selectorKind(name) !== 'user') return;
    const domain = name.slice(name.lastIndexOf('@') + 1);
    if (!domains.includes(domain)) p.add(where, `${show(name)} is a user of "${domain}", outside the tailnet's domains (${domains.join(', ')}): a typo, or access for someone outside the organisation. Fix: use the person's ${domains[0] ?? 'tailnet'} login, or add the domain to userDomains (src/config/tailnets.ts).`);
  };
  for (const [group, members] of Object.entries(doc.groups ?? {})) (members ?? []).forEach((m, i) => checkUser(`groups[${show(group)}][${i}]`, m));
  for (const [tag, owners] of Object.entries(doc.tagOwners ?? {})) (owners ?? []).forEach((o, i) => checkUser(`tagOwners[${show(tag)}][${i}]`, o));
  (doc.grants ?? []).forEach((g, i) => {
    (g.src ?? []).forEach((s, j) => checkUser(`grants[${i}].src[${j}]`, s));
    (g.dst ?? []).forEach((d, j) => checkUser(`grants[${i}].dst[${j}]`, d));
    const ranges = (g.ip ?? []).flatMap((spec) => { const parsed = parsePortSpec(spec); return parsed.ok ? parsed.value : []; });
    const wide = widePortProblem(ranges);
    if (wide) p.add(`grants[${i}].ip`, `${show(g.ip)}: ${wide}`);
  });
  (doc.acls ?? []).forEach((a, i) => {
    (a.src ?? []).forEach((s, j) => checkUser(`acls[${i}].src[${j}]`, s));
    const protocols = aclProtocols(a.proto);
    (a.dst ?? []).forEach((d, j) => {
      const parsed = parseAclDestination(d);
      if (!parsed.ok) return;
      checkUser(`acls[${i}].dst[${j}]`, parsed.value.host);
      const wide = widePortProblem(protocols.flatMap((proto) => parsed.value.ports.map((r) => ({ proto, ...r }))));
      if (wide) p.add(`acls[${i}].dst[${j}]`, `${show(d)}: ${wide}`);
    });
  });
  (doc.ssh ?? []).forEach((r, i) => {
    (r.src ?? []).forEach((s, j) => checkUser(`ssh[${i}].src[${j}]`, s));
    (r.dst ?? []).forEach((d, j) => checkUser(`ssh[${i}].dst[${j}]`, d));
    (r.users ?? []).forEach((u, j) => {
      const problem = sshUserProblem(u);
      if (problem) p.add(`ssh[${i}].users[${j}]`, problem);
    });
  });
  return p.list;
}

/**
 * Tags and groups the whole document names but does not declare: the control plane rejects
 * such a policy, whoever wrote the rule.
 */
export function undeclaredReferences(doc: PolicyDocument, tailnet: string): PolicyProblem[] {
  const p = new Problems(tailnet);
  const tags = new Set(Object.keys(doc.tagOwners ?? {}));
  const groups = new Set(Object.keys(doc.groups ?? {}));
  forEachReference(doc, (path, name) => {
    // Tests are judged by the test runner (a test naming nothing is rejected there).
    if (path.startsWith('tests[') || path.startsWith('sshTests[')) return;
    const kind = selectorKind(name);
    if (kind === 'tag' && !tags.has(name)) p.add(path, `${show(name)} is not declared in tagOwners; the control plane rejects a policy naming an undeclared tag. Fix: declare it, or use a declared tag.`);
    else if (kind === 'group' && !groups.has(name) && !name.includes('@')) p.add(path, `${show(name)} is not declared in groups; the control plane rejects a policy naming an undeclared group. Fix: declare it, or use a declared group.`);
  });
  return p.list;
}
