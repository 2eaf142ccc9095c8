/**
 * Deterministic HuJSON of a tailnet's policy: a generated-file header (with the cross-
 * environment paths and withheld tests it knows of), then one entry per line, each run of
 * entries preceded by a comment naming the party it belongs to, so a reviewer sees whose rule
 * changed. Every section is written, ours and people-owned ones alike, in the document's order.
 * Stripped of its comments the text is plain JSON.
 */
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { generatedHeader } from '../synth/render';
import { attributeRule, tagOwnership } from './attribution';
import { formatIsolationFinding } from './isolation';
import { formatMatrixMarkdown, matrixFileName } from './matrix';
import { grantedPorts } from './paths';
import { BASE_OWNER, type PolicyDocument, type PolicyFragment, type RenderablePolicy, type TailnetPolicy } from './policy';
import type { WithheldTest } from './withheld';

/** Field order of each kind of entry, as Tailscale's documentation writes them. */
const FIELD_ORDER = ['action', 'src', 'proto', 'dst', 'ip', 'app', 'via', 'srcPosture', 'users', 'accept', 'check', 'deny'];

export function policyFileName(tailnet: string): string {
  return `tailnet/${tailnet}.hujson`;
}

/** `producer`: the command that writes this copy (the Pulumi stack writes the live one). */
export function renderPolicyHujson(policy: RenderablePolicy, producer = 'npm run synth'): string {
  const labels = entryLabels(policy);
  const lines = [
    generatedHeader(`src/config (tailnet "${policy.tailnet.name}": ${policy.environments.map((e) => e.name).join(', ') || 'no environments'})`, '//', producer).trimEnd(),
    '// Default deny: only the grants below open anything; the tests and sshTests prove it, offline in `npm run synth` and again in the control plane.',
    ...(policy.isolation ?? []).map((f) => `// CROSS-ENVIRONMENT PATH: ${formatIsolationFinding(f)}.`),
    ...withheldSummary(policy.withheld ?? []),
    '{',
  ];
  const sections = Object.keys(policy.document).filter((s) => policy.document[s] !== undefined);
  sections.forEach((section, s) => {
    const closing = s === sections.length - 1 ? '' : ',';
    const value = policy.document[section];
    if (value === null || typeof value !== 'object') {
      lines.push(`  ${JSON.stringify(section)}: ${inline(value)}${closing}`);
      return;
    }
    const list = Array.isArray(value);
    const entries: [string | undefined, string][] = list
      ? (value as unknown[]).map((entry, i) => [labels[section]?.[i], inline(entry)])
      : Object.entries(value as Record<string, unknown>).map(([key, v], i) => [labels[section]?.[i], `${JSON.stringify(key)}: ${inline(v)}`]);
    if (entries.length === 0) {
      lines.push(`  ${JSON.stringify(section)}: ${list ? '[]' : '{}'}${closing}`);
      return;
    }
    lines.push(`  ${JSON.stringify(section)}: ${list ? '[' : '{'}`);
    let previous: string | undefined;
    entries.forEach(([label, text], i) => {
      if (label !== undefined && label !== previous) lines.push(`    // ${label}`);
      previous = label;
      lines.push(`    ${text}${i === entries.length - 1 ? '' : ','}`);
    });
    lines.push(`  ${list ? ']' : '}'}${closing}`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** One header line per rule that makes tests withheld (the matrix lists each expectation). */
function withheldSummary(withheld: readonly WithheldTest[]): string[] {
  const byRule = new Map<string, number>();
  for (const w of withheld) byRule.set(w.rule ?? 'an unproven rule', (byRule.get(w.rule ?? 'an unproven rule') ?? 0) + 1);
  return [...byRule].map(([rule, n]) => `// WITHHELD TESTS: ${n} expectation(s) of the environments' tests are not sent, because people-owned ${rule} would fail them and the control plane rejects a policy whose tests fail; they are sent again, without anyone acting, once the rule is gone (each is listed in the matrix file).`);
}

/** Parses a policy file (HuJSON: comments and trailing commas allowed); throws naming the first syntax error. */
export function parsePolicyHujson(text: string, source = 'policy'): PolicyDocument {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new Error(`${source}: HuJSON syntax error ${printParseErrorCode(e.error)} at offset ${e.offset}.`);
  }
  return value as PolicyDocument;
}

/** One entry on one line, fields in documentation order. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b));
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${inline((value as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

function rank(field: string): number {
  const i = FIELD_ORDER.indexOf(field);
  return i < 0 ? FIELD_ORDER.length : i;
}

const PEOPLE_LABEL = 'people-owned: kept exactly as it is live (src/config/tailnet-people/ is its committed snapshot)';

/**
 * For each section, the label of each entry: people-owned entries come first, then each
 * fragment's in composition order; tests are labelled by the environment whose destinations
 * they probe (their own tests and the isolation tests protecting them).
 */
function entryLabels(policy: RenderablePolicy): Record<string, (string | undefined)[]> {
  const fragments = [policy.base, ...policy.fragments];
  const ownership = tagOwnership(fragments);
  const label = (f: PolicyFragment): string => (f.owner === BASE_OWNER ? 'shared base' : `environment ${f.owner}`);
  const result: Record<string, (string | undefined)[]> = {};
  for (const section of Object.keys(policy.document)) {
    const value = policy.document[section];
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value)) {
      result[section] = Object.keys(value).map((key) => {
        const owner = fragments.find((f) => section in f && key in ((f[section] as Record<string, unknown> | undefined) ?? {}));
        return owner ? label(owner) : PEOPLE_LABEL;
      });
      continue;
    }
    const people = policy.peopleCounts?.[section] ?? 0;
    const labels: (string | undefined)[] = Array<string>(people).fill(PEOPLE_LABEL);
    if (section === 'tests' || section === 'sshTests') {
      (value as unknown[]).slice(people).forEach((rule) => {
        const owner = attributeRule({ section, rule } as Parameters<typeof attributeRule>[0], ownership).owner;
        labels.push(owner === undefined ? undefined : `tests of ${owner === BASE_OWNER ? 'the shared base' : `environment ${owner}`}: its own, and isolation (no other environment's tag gets in)`);
      });
    } else if (section === 'grants') {
      // Each of an environment's grants says what its ports are for (the configuration's purposes).
      for (const fragment of fragments) {
        const env = policy.environments.find((e) => e.name === fragment.owner);
        for (const grant of fragment.grants) {
          const purposes = env === undefined ? [] : grantedPorts(env)
            .filter((p) => grant.src.includes(p.src) && p.dst.every((d) => grant.dst.includes(d)) && (grant.ip ?? []).includes(`${p.proto}:${p.port}`))
            .map((p) => `${p.proto}:${p.port} ${p.purpose}`);
          labels.push(purposes.length === 0 ? label(fragment) : `${label(fragment)}: ${purposes.join('; ')}`);
        }
      }
    } else {
      for (const fragment of fragments) labels.push(...Array<string>(((fragment[section] as unknown[] | undefined) ?? []).length).fill(label(fragment)));
    }
    result[section] = labels;
  }
  return result;
}

/** Every file of `dist/tailnet/`: the policy and its reachability matrix, per tailnet. */
export function renderTailnetFiles(policies: readonly TailnetPolicy[]): Map<string, string> {
  return new Map(policies.flatMap((policy) => [
    [policyFileName(policy.tailnet.name), renderPolicyHujson(policy)] as const,
    [matrixFileName(policy.tailnet.name), formatMatrixMarkdown(policy)] as const,
  ]));
}
