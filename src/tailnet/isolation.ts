/**
 * The proof that no environment reaches another, over the complete document: fragments and
 * people-owned entries alike. Every rule that opens (or may open) a path from one environment's
 * tag to another's is a finding, naming the rule and whose it is. A people-owned finding (the
 * live catch-all) is reported on every run; no stack may remove it, so it blocks an update only
 * where the tailnet's configuration says isolation is enforced (`enforceIsolation`).
 */
import { type Principal, openings, selectorMatch, sshEvaluationOrder, describeSshRule } from './evaluate';
import { withReadCache } from './memo';
import { BASE_OWNER, type PolicyDocument, type PolicyFragment } from './policy';
import { PROTOCOLS, formatPortRange } from './syntax';

/** One path a rule opens from one environment's tag to another's. */
export interface CrossEnvironmentPath {
  readonly from: string;
  readonly to: string;
  readonly src: string;
  readonly dst: string;
  /** `tcp:0-65535`, `udp:53`, or `ssh`. */
  readonly access: string;
}

export interface IsolationFinding {
  /** The rule, e.g. `grants[0] (* → * on *)`. */
  readonly rule: string;
  /** Where the rule is in the document. */
  readonly section: 'grants' | 'acls' | 'ssh';
  readonly index: number;
  /** `people` for a people-owned rule, else the fragment's owner. */
  readonly owner: string;
  /** `allow` when proven, `unproven` when the rule may open it (posture, roles, routes). */
  readonly verdict: 'allow' | 'unproven';
  readonly paths: readonly CrossEnvironmentPath[];
}

export const PEOPLE_OWNER = 'people';

/** Who owns each rule of a composed document: its first `counts[section]` entries are people-owned, then the fragments', in order. */
export type RuleOwners = (section: 'grants' | 'acls' | 'ssh', index: number) => string;

/** Every rule of `doc` that opens a path between two environments' tags (`fragments` say which tags are whose). */
export function isolationFindings(doc: PolicyDocument, fragments: readonly PolicyFragment[], ownerOf: RuleOwners): IsolationFinding[] {
  return withReadCache(() => findIsolation(doc, fragments, ownerOf));
}

function findIsolation(doc: PolicyDocument, fragments: readonly PolicyFragment[], ownerOf: RuleOwners): IsolationFinding[] {
  const environments = fragments.filter((f) => f.owner !== BASE_OWNER);
  const byRule = new Map<string, { section: IsolationFinding['section']; index: number; owner: string; verdict: 'allow' | 'unproven'; paths: CrossEnvironmentPath[] }>();
  const add = (rule: string, at: { section: IsolationFinding['section']; index: number }, owner: string, verdict: 'allow' | 'unproven', path: CrossEnvironmentPath): void => {
    const entry = byRule.get(rule) ?? { ...at, owner, verdict, paths: [] };
    if (verdict === 'allow') entry.verdict = 'allow';
    entry.paths.push(path);
    byRule.set(rule, entry);
  };
  for (const from of environments) {
    for (const to of environments) {
      if (from === to) continue;
      for (const src of from.tags) {
        for (const dst of to.tags) {
          const s: Principal = { kind: 'tag', name: src };
          const d: Principal = { kind: 'tag', name: dst };
          for (const proto of PROTOCOLS) {
            for (const o of openings(doc, s, d, proto)) {
              add(o.rule, { section: o.section, index: o.index }, ownerOf(o.section, o.index), o.verdict, { from: from.owner, to: to.owner, src, dst, access: o.ranges.map(formatPortRange).join(', ') });
            }
          }
          for (const { rule, index } of sshEvaluationOrder(doc)) {
            const srcMatch = (rule.src ?? []).map((x) => selectorMatch(doc, x, s));
            const dstMatch = (rule.dst ?? []).map((x) => selectorMatch(doc, x, d, s));
            if (!srcMatch.some((m) => m.v !== 'no') || !dstMatch.some((m) => m.v !== 'no')) continue;
            const definite = srcMatch.some((m) => m.v === 'yes') && dstMatch.some((m) => m.v === 'yes') && (rule.srcPosture ?? doc.defaultSrcPosture ?? []).length === 0;
            add(describeSshRule(rule, index), { section: 'ssh', index }, ownerOf('ssh', index), definite ? 'allow' : 'unproven', { from: from.owner, to: to.owner, src, dst, access: `ssh as ${rule.users.join(', ')}` });
          }
        }
      }
    }
  }
  return [...byRule].map(([rule, f]) => ({ rule, ...f }));
}

/** One line per finding: the rule, whose it is, and which environments it connects. */
export function formatIsolationFinding(f: IsolationFinding): string {
  const pairs = [...new Set(f.paths.map((p) => `${p.from} → ${p.to}`))];
  const owner = f.owner === PEOPLE_OWNER ? 'people-owned' : `environment ${f.owner}'s`;
  const example = f.paths[0]!;
  return `${owner} ${f.rule} ${f.verdict === 'allow' ? 'opens' : 'may open (unproven)'} a cross-environment path: ${pairs.join(', ')} (e.g. ${example.src} → ${example.dst} on ${example.access}; ${f.paths.length} tag pair(s) and protocol(s) in all)`;
}

/** One note per tailnet whose policy has a cross-environment path, for every rendered diff (a pull request comment). */
export function isolationNotes(policies: readonly { readonly tailnet: { readonly name: string }; readonly isolation: readonly IsolationFinding[] }[]): string[] {
  return policies.flatMap((p) => p.isolation.map((f) => `tailnet ${p.tailnet.name}: ${formatIsolationFinding(f)}.`));
}
