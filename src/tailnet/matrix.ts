/**
 * The reachability matrix of a policy: for every source (tag or group) and every destination
 * port the grants name, allow or deny, as the offline evaluator reads the document; and for
 * Tailscale SSH, as which users each source gets in. Printed by `npm run matrix` and written
 * beside each policy file.
 */
import { formatTable } from '../report/table';
import { generatedHeader } from '../synth/render';
import { canSsh, reach } from './evaluate';
import { ROOT_USER } from './fragments';
import { formatIsolationFinding } from './isolation';
import { withReadCache } from './memo';
import type { PolicyDocument, TailnetPolicy } from './policy';
import { formatWithheldTest } from './withheld';
import { type PortRange, formatPortRange, parsePortSpec, selectorKind } from './syntax';

/** `unproven`: some rule may open it, depending on what the policy does not say (posture, roles, routes). */
export type Reach = 'allow' | 'deny' | 'partial' | 'unproven';

export interface ReachabilityMatrix {
  readonly sources: readonly string[];
  /** Destination tag and port range, in the order the grants name them. */
  readonly destinations: readonly { readonly dst: string; readonly range: PortRange }[];
  /** `network[i][j]`: may `sources[i]` open `destinations[j]` (every port of it, some, or none)? */
  readonly network: readonly (readonly Reach[])[];
  readonly sshDestinations: readonly string[];
  readonly sshUsers: readonly string[];
  /** `ssh[i][j][k]`: how `sources[i]` gets in to `sshDestinations[j]` as `sshUsers[k]`. */
  readonly ssh: readonly (readonly (readonly ('accept' | 'check' | 'deny' | 'unproven')[])[])[];
  /** Capability grants (`app`): not network access, listed apart. */
  readonly capabilities: readonly { readonly src: readonly string[]; readonly dst: readonly string[]; readonly capabilities: readonly string[]; readonly rule: string }[];
}

export function reachabilityMatrix(doc: PolicyDocument): ReachabilityMatrix {
  return withReadCache(() => matrixOf(doc));
}

function matrixOf(doc: PolicyDocument): ReachabilityMatrix {
  const sources = [...Object.keys(doc.tagOwners ?? {}), ...Object.keys(doc.groups ?? {})];
  const seen = new Set<string>();
  const destinations = (doc.grants ?? []).filter((g) => g.ip !== undefined).flatMap((grant) => grant.dst.filter((dst) => selectorKind(dst) === 'tag').flatMap((dst) =>
    (grant.ip ?? []).flatMap((spec) => {
      const parsed = parsePortSpec(spec);
      return parsed.ok ? parsed.value.map((range) => ({ dst, range })) : [];
    }))).filter(({ dst, range }) => {
    const key = `${dst} ${formatPortRange(range)}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  // A destination tag is named with several ranges: ask once per source, tag and protocol.
  const reached = new Map<string, ReturnType<typeof reach>>();
  const reachOf = (src: string, dst: string, proto: PortRange['proto']): ReturnType<typeof reach> => {
    const key = `${src}\0${dst}\0${proto}`;
    let r = reached.get(key);
    if (r === undefined) reached.set(key, (r = reach(doc, src, dst, proto)));
    return r;
  };
  const network = sources.map((src) => destinations.map(({ dst, range }) => {
    const r = reachOf(src, dst, range.proto);
    const proven = coverage(r.allow, range);
    return proven === 'deny' && coverage(r.unproven, range) !== 'deny' ? 'unproven' : proven;
  }));
  const sshDestinations = [...new Set((doc.ssh ?? []).flatMap((r) => r.dst).filter((d) => selectorKind(d) === 'tag'))];
  const sshUsers = [...new Set([...(doc.ssh ?? []).flatMap((r) => r.users).filter((u) => !u.startsWith('autogroup:')), ROOT_USER])];
  const ssh = sources.map((src) => sshDestinations.map((dst) => sshUsers.map((user) => {
    return canSsh(doc, src, dst, user).verdict;
  })));
  const capabilities = (doc.grants ?? []).flatMap((g, i) => (g.app === undefined ? [] : [{
    src: g.src, dst: g.dst, capabilities: Object.keys(g.app), rule: `grants[${i}]`,
  }]));
  return { sources, destinations, network, sshDestinations, sshUsers, ssh, capabilities };
}

/** How much of `range` the merged, sorted `reachable` ranges cover. */
function coverage(reachable: readonly PortRange[], range: PortRange): Reach {
  const overlapping = reachable.filter((r) => r.to >= range.from && r.from <= range.to);
  if (overlapping.length === 0) return 'deny';
  return overlapping.some((r) => r.from <= range.from && r.to >= range.to) ? 'allow' : 'partial';
}

function tables(matrix: ReachabilityMatrix): { network: { header: string[]; rows: string[][] }; ssh: { header: string[]; rows: string[][] } } {
  return {
    network: {
      header: ['source', ...matrix.destinations.map(({ dst, range }) => `${dst} ${formatPortRange(range)}`)],
      rows: matrix.sources.map((src, i) => [src, ...matrix.network[i]!]),
    },
    ssh: {
      header: ['source', ...matrix.sshDestinations],
      rows: matrix.sources.map((src, i) => [src, ...matrix.ssh[i]!.map((byUser) =>
        matrix.sshUsers.map((user, k) => `${user}: ${byUser[k]}`).join(', '))]),
    },
  };
}

/** The table, with its destination columns numbered and named in a legend under it, so it fits a terminal. */
function numberedTable(table: { header: string[]; rows: string[][] }): string {
  const [first = '', ...columns] = table.header;
  return [
    formatTable([first, ...columns.map((_, i) => `[${i + 1}]`)], table.rows),
    ...columns.map((c, i) => `[${i + 1}] ${c}`),
  ].join('\n');
}

/** Plain-text tables for the terminal. */
export function formatMatrixText(policy: TailnetPolicy): string {
  const { network, ssh } = tables(reachabilityMatrix(policy.document));
  return [
    `tailnet ${policy.tailnet.name} (${policy.environments.map((e) => e.name).join(', ') || 'no environments'})`,
    '',
    'network (source → destination port):',
    numberedTable(network),
    '',
    'Tailscale SSH (source → destination, per user):',
    numberedTable(ssh),
  ].join('\n');
}

export function matrixFileName(tailnet: string): string {
  return `tailnet/${tailnet}.matrix.md`;
}

/** The generated Markdown document written beside the policy file. */
export function formatMatrixMarkdown(policy: TailnetPolicy): string {
  const { network, ssh } = tables(reachabilityMatrix(policy.document));
  const name = policy.tailnet.name;
  const header = generatedHeader(`src/config (tailnet "${name}": ${policy.environments.map((e) => e.name).join(', ') || 'no environments'})`, '').trim();
  return [
    `<!-- ${header} -->`,
    `# Reachability on tailnet \`${name}\``,
    '',
    `What each source may open, as the offline evaluator reads \`${name}.hujson\`. Default deny: a port no grant names is closed to everyone. \`partial\` means some ports of a range.`,
    '',
    '## Network',
    '',
    markdownTable(network.header, network.rows),
    '',
    '## Tailscale SSH',
    '',
    markdownTable(ssh.header, ssh.rows),
    '',
    ...extraSections(policy),
  ].join('\n');
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  // Allowed cells in bold: the few open paths stand out among the denials.
  const cell = (c: string, i: number): string => (i === 0 ? `\`${c}\`` : c === 'allow' ? '**allow**' : c);
  return [line(header.map((h, i) => (i === 0 ? h : `\`${h}\``))), line(header.map(() => '---')), ...rows.map((r) => line(r.map(cell)))].join('\n');
}

/** Capabilities, cross-environment paths, withheld tests and unproven expectations, when there are any. */
function extraSections(policy: TailnetPolicy): string[] {
  const matrix = reachabilityMatrix(policy.document);
  const lines: string[] = [];
  if (matrix.capabilities.length > 0) {
    lines.push('## Capabilities (not network access)', '', 'Grants with `app`: the destination lets the source use these capabilities; the ports they open are in the network table.', '');
    lines.push('| source | destination | capabilities | rule |', '| --- | --- | --- | --- |');
    for (const c of matrix.capabilities) lines.push(`| ${[c.src, c.dst, c.capabilities].map((xs) => xs.map((x) => `\`${x}\``).join(', ')).join(' | ')} | ${c.rule} |`);
    lines.push('');
  }
  if ((policy.isolation ?? []).length > 0) {
    lines.push('## Cross-environment paths', '', ...policy.isolation.map((f) => `- ${formatIsolationFinding(f)}.`), '');
  }
  if ((policy.withheld ?? []).length > 0) {
    lines.push('## Withheld tests', '', 'Not sent, because a people-owned rule would fail them and the control plane rejects a policy whose tests fail; they are sent again once the rule is gone.', '', ...policy.withheld.map((w) => `- ${formatWithheldTest(w)}`), '');
  }
  if ((policy.findings ?? []).length > 0) {
    lines.push('## What a reviewer would refuse in the people-owned part', '', 'Reported, never rewritten: no stack changes a people-owned entry. Fix them in the admin console, then `npm run policy:import`.', '', ...policy.findings.map((f) => `- ${f.path}: ${f.message}`), '');
  }
  if ((policy.unproven ?? []).length > 0) {
    lines.push('## Unproven offline', '', ...policy.unproven.map((u) => `- ${u.message}`), '');
  }
  return lines;
}
