/**
 * The diff as GitHub-flavoured Markdown, for the pull-request comment and the job summary:
 * dangerous changes first, a table per environment and tailnet, then the details.
 */
import { renderYaml } from '../synth/render';
import type { DiffReport, EnvironmentDiff, FieldChange, PolicySectionDiff, TailnetDiff } from './report';
import { environmentHasChanges, hasChanges } from './report';
import { DANGER_TITLES, type RenderOptions, changeCounts, fieldDeltas, showValue } from './render-words';

/** Inline code that survives any backticks in the value. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table cell: pipes escaped (also inside code spans, as GFM requires), no line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const value = (v: unknown): string => (v === undefined ? '' : code(showValue(v)));

function fieldTable(fields: readonly FieldChange[]): string[] {
  return [
    '| field | before | after |',
    '| --- | --- | --- |',
    ...fields.map((f) => `| ${cell(code(f.path))} | ${cell(value(f.before))} | ${cell(value(f.after))} |`),
  ];
}

function details(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>'];
}

function yamlBlock(content: unknown): string[] {
  return ['```yaml', renderYaml(content).trimEnd(), '```'];
}

function environmentSection(diff: EnvironmentDiff): string[] {
  const lines = [`### Environment \`${diff.environment}\``, ''];
  for (const object of diff.changed) lines.push(`**Changed** ${code(object.key)}`, '', ...fieldTable(object.fields), '');
  for (const object of diff.added) lines.push(`**Added** ${code(object.key)}`, '', ...details('manifest', yamlBlock(object.content)), '');
  for (const object of diff.removed) lines.push(`**Removed** ${code(object.key)}`, '');
  return lines;
}

function policySection(section: PolicySectionDiff): string[] {
  const widens = (w: boolean): string => (w ? ' ⚠️ **widens access**' : '');
  return [
    `**${section.section}**`,
    '',
    ...section.added.map((e) => `- ➕ ${code(e.summary)}${widens(e.widens)}`),
    ...section.removed.map((e) => `- ➖ ${code(e.summary)}`),
    ...section.changed.flatMap((c) => [
      `- ✏️ ${code(c.before)} → ${code(c.after)}${widens(c.widens)}`,
      ...fieldDeltas(c, code).map((phrase) => `  - ${phrase}`),
    ]),
    '',
  ];
}

function tailnetSection(diff: TailnetDiff): string[] {
  const status = diff.status === 'added' ? ' (new policy)' : diff.status === 'removed' ? ' (policy no longer rendered)' : '';
  return [`### Tailnet \`${diff.tailnet}\`${status}`, '', ...diff.sections.flatMap(policySection)];
}

/**
 * The whole diff; '' when nothing changed. With `maxLength`, the dangers and the summary
 * table are always kept and the details are cut at a section boundary, saying so.
 */
export function renderMarkdown(report: DiffReport, options: RenderOptions = {}): string {
  if (!hasChanges(report)) return '';
  const head: string[] = [`## Rendered changes${options.base === undefined ? '' : ` against ${code(options.base)}`}`, ''];
  for (const note of options.notes ?? []) head.push(`> ${note}`, '');
  if (report.dangers.length > 0) {
    head.push('> [!CAUTION]', `> **${report.dangers.length} dangerous change(s)**: Kubernetes rejects them, or they do something the manifest does not say.`, '>');
    for (const d of report.dangers) head.push(`> - **${d.scope}** ${code(d.subject)}: ${DANGER_TITLES[d.kind]}: ${d.message}`);
    head.push('');
  }
  head.push('| scope | added | removed | changed |', '| --- | --- | --- | --- |');
  for (const row of changeCounts(report)) head.push(`| ${row.scope} | ${row.added} | ${row.removed} | ${row.changed} |`);
  head.push('');

  const sections: string[][] = [
    ...report.environments.filter(environmentHasChanges).map(environmentSection),
    ...report.tailnets.filter((t) => t.status !== 'unchanged').map(tailnetSection),
  ];
  if (report.files.length > 0) {
    sections.push(['### Other files', '', ...report.files.map((f) => `- ${f.change}: ${code(f.file)}${f.note === undefined ? '' : ` (${f.note})`}`), '']);
  }

  let text = head.join('\n');
  for (const [i, section] of sections.entries()) {
    const next = `${text}\n${section.join('\n')}`;
    if (options.maxLength !== undefined && next.length > options.maxLength - 200) {
      return `${text}\n_… ${sections.length - i} more section(s) left out to fit a comment; the job summary has the whole diff._\n`;
    }
    text = next;
  }
  return `${text.trimEnd()}\n`;
}
