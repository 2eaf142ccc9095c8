/**
 * Deterministic HuJSON of a tailnet's policy: a generated-file header, then one entry per line,
 * each run of entries preceded by a comment naming the party it belongs to, so a reviewer sees
 * whose rule changed. Stripped of its comments the text is plain JSON.
 */
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { generatedHeader } from '../synth/render';
import { attributeRule, tagOwnership } from './attribution';
import { formatMatrixMarkdown, matrixFileName } from './matrix';
import { BASE_OWNER, type PolicyDocument, type PolicyFragment, SECTIONS, type TailnetPolicy } from './policy';

/** Field order of each kind of entry, as Tailscale's documentation writes them. */
const FIELD_ORDER = ['action', 'src', 'proto', 'dst', 'ip', 'users', 'accept', 'check', 'deny'];

export function policyFileName(tailnet: string): string {
  return `tailnet/${tailnet}.hujson`;
}

/** `producer`: the command that writes this copy (the Pulumi stack writes the live one). */
export function renderPolicyHujson(policy: TailnetPolicy, producer = 'npm run synth'): string {
  const labels = entryLabels(policy);
  const lines = [
    generatedHeader(`src/config (tailnet "${policy.tailnet.name}": ${policy.environments.map((e) => e.name).join(', ') || 'no environments'})`, '//', producer).trimEnd(),
    '// Default deny: only the grants below open anything; the tests and sshTests prove it, offline in `npm run synth` and again in the control plane.',
    '{',
  ];
  SECTIONS.forEach((section, s) => {
    const closing = s === SECTIONS.length - 1 ? '' : ',';
    const value = policy.document[section];
    const entries: [string | undefined, string][] = Array.isArray(value)
      ? value.map((entry, i) => [labels[section][i], inline(entry)])
      : Object.entries(value).map(([key, v], i) => [labels[section][i], `${JSON.stringify(key)}: ${inline(v)}`]);
    if (entries.length === 0) {
      lines.push(`  ${JSON.stringify(section)}: ${Array.isArray(value) ? '[]' : '{}'}${closing}`);
      return;
    }
    lines.push(`  ${JSON.stringify(section)}: ${Array.isArray(value) ? '[' : '{'}`);
    let previous: string | undefined;
    entries.forEach(([label, text], i) => {
      if (label !== undefined && label !== previous) lines.push(`    // ${label}`);
      previous = label;
      lines.push(`    ${text}${i === entries.length - 1 ? '' : ','}`);
    });
    lines.push(`  ${Array.isArray(value) ? ']' : '}'}${closing}`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
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

/**
 * For each section, the label of each entry: the fragment it came from (composition keeps
 * fragments in order), and for the generated isolation tests the environment they protect.
 */
function entryLabels(policy: TailnetPolicy): Record<(typeof SECTIONS)[number], (string | undefined)[]> {
  const fragments = [policy.base, ...policy.fragments];
  const ownership = tagOwnership(fragments);
  const label = (f: PolicyFragment): string => (f.owner === BASE_OWNER ? 'shared base' : `environment ${f.owner}`);
  const result = {} as Record<(typeof SECTIONS)[number], (string | undefined)[]>;
  for (const section of SECTIONS) {
    const labels: (string | undefined)[] = [];
    for (const fragment of fragments) {
      const count = Array.isArray(fragment[section]) ? (fragment[section] as unknown[]).length : Object.keys(fragment[section]).length;
      labels.push(...Array<string>(count).fill(label(fragment)));
    }
    if (section === 'tests' || section === 'sshTests') {
      policy.document[section].slice(labels.length).forEach((rule) => {
        const owner = attributeRule({ section, rule } as Parameters<typeof attributeRule>[0], ownership).owner;
        labels.push(owner === undefined ? undefined : `isolation of ${owner}: no other environment's (or the base's) tag gets in`);
      });
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
