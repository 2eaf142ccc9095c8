/**
 * The diff as plain text for a terminal: dangerous changes first, then each environment and
 * tailnet with `+` added, `-` removed, `~` changed.
 */
import { renderYaml } from '../synth/render';
import type { DiffReport, EnvironmentDiff, PolicySectionDiff, TailnetDiff } from './report';
import { environmentHasChanges, hasChanges } from './report';
import { DANGER_TITLES, type RenderOptions, changeCounts, fieldDeltas, showValue } from './render-words';

function indent(text: string, by: string): string[] {
  return text.trimEnd().split('\n').map((line) => `${by}${line}`);
}

function environmentLines(diff: EnvironmentDiff): string[] {
  const lines = [`environment ${diff.environment}:`];
  for (const object of diff.changed) {
    lines.push(`  ~ ${object.key}`);
    for (const f of object.fields) {
      if (f.change === 'changed') lines.push(`      ${f.path}: ${showValue(f.before)} → ${showValue(f.after)}`);
      else if (f.change === 'added') lines.push(`      + ${f.path}: ${showValue(f.after)}`);
      else lines.push(`      - ${f.path}: ${showValue(f.before)}`);
    }
  }
  for (const object of diff.added) lines.push(`  + ${object.key}`, ...indent(renderYaml(object.content), '      '));
  for (const object of diff.removed) lines.push(`  - ${object.key}`);
  return lines;
}

function sectionLines(section: PolicySectionDiff): string[] {
  const widens = (w: boolean): string => (w ? '   [WIDENS ACCESS]' : '');
  return [
    `  ${section.section}:`,
    ...section.added.map((e) => `    + ${e.summary}${widens(e.widens)}`),
    ...section.removed.map((e) => `    - ${e.summary}`),
    ...section.changed.flatMap((c) => [
      `    ~ ${c.before}${widens(c.widens)}`,
      `      now ${c.after}`,
      ...fieldDeltas(c, (t) => t).map((phrase) => `      ${phrase}`),
    ]),
  ];
}

function tailnetLines(diff: TailnetDiff): string[] {
  const status = diff.status === 'added' ? ' (new policy)' : diff.status === 'removed' ? ' (policy no longer rendered)' : '';
  return [`tailnet ${diff.tailnet}${status}:`, ...diff.sections.flatMap(sectionLines)];
}

/** The whole diff; '' when nothing changed. */
export function renderText(report: DiffReport, options: RenderOptions = {}): string {
  if (!hasChanges(report)) return '';
  const lines = [`Rendered changes${options.base === undefined ? '' : ` against ${options.base}`}`, ...(options.notes ?? []).map((n) => `note: ${n}`), ''];
  if (report.dangers.length > 0) {
    lines.push(`DANGEROUS CHANGES (${report.dangers.length}):`);
    for (const d of report.dangers) lines.push(`  ! ${d.scope}, ${d.subject}: ${DANGER_TITLES[d.kind]}: ${d.message}`);
    lines.push('');
  }
  for (const row of changeCounts(report)) lines.push(`${row.scope}: ${row.added} added, ${row.removed} removed, ${row.changed} changed`);
  lines.push('');
  for (const diff of report.environments.filter(environmentHasChanges)) lines.push(...environmentLines(diff), '');
  for (const diff of report.tailnets.filter((t) => t.status !== 'unchanged')) lines.push(...tailnetLines(diff), '');
  if (report.files.length > 0) {
    lines.push('other files:', ...report.files.map((f) => `  ${f.change === 'added' ? '+' : f.change === 'removed' ? '-' : '~'} ${f.file}${f.note === undefined ? '' : ` (${f.note})`}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
