/** The check report: one line per check and environment, for people; JSON for machines. */
import { wrapCell } from '../report/table';
import type { CheckRun } from './run';
import type { Check, CheckResult, CheckStatus } from './types';

const LABELS: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIPPED', assumed: 'ASSUMED' };

export interface ReportOptions {
  /** Only the lines that need attention (everything but passes), then the summary. */
  readonly problemsOnly?: boolean;
  /** Wrap messages and fixes in their column so every line fits this width (terminals: 100). */
  readonly width?: number;
}

export function formatSummaryLine(run: CheckRun, environments: number): string {
  const { pass, fail, skip, assumed } = run.counts;
  const checks = environments === 0 ? 0 : run.results.length / environments;
  return `${run.ok ? 'Checks passed' : 'Checks FAILED'}: ${checks} checks × ${environments} environments: ${pass} passed, ${assumed} assumed, ${skip} skipped, ${fail} failed.`;
}

/** One result: `STATUS  check  environment  message`, then `fix: …` under it unless it passed. */
export function formatResult(result: CheckResult, widths: readonly [number, number, number] = [0, 0, 0], width?: number): string {
  const indent = widths[0] + widths[1] + widths[2] + 6;
  // At least 40 characters of text per line, even when the columns before it are wide.
  const column = (text: string): string[] => (width === undefined ? [text] : wrapCell(text, Math.max(40, width - indent)));
  const [first = '', ...more] = column(result.message);
  const lines = [`${LABELS[result.status].padEnd(widths[0])}  ${result.check.padEnd(widths[1])}  ${result.environment.padEnd(widths[2])}  ${first}`, ...more.map((l) => `${' '.repeat(indent)}${l}`)];
  if (result.fix !== undefined && result.status !== 'pass') lines.push(...column(`fix: ${result.fix}`).map((l) => `${' '.repeat(indent)}${l}`));
  return lines.join('\n');
}

export function formatReport(run: CheckRun, options: ReportOptions = {}): string {
  const shown = options.problemsOnly ? run.results.filter((r) => r.status !== 'pass') : run.results;
  const width = (pick: (r: CheckResult) => string): number => Math.max(0, ...shown.map((r) => pick(r).length));
  const widths = [width((r) => LABELS[r.status]), width((r) => r.check), width((r) => r.environment)] as const;
  const lines = shown.map((r) => formatResult(r, widths, options.width));
  const environments = new Set(run.results.map((r) => r.environment)).size;
  return [...lines, ...(lines.length > 0 ? [''] : []), formatSummaryLine(run, environments)].join('\n');
}

/** The report as data, for `--json` (check, synth). */
export function jsonReport(run: CheckRun, checks: readonly Check[]): { ok: boolean; counts: CheckRun['counts']; checks: { id: string; title: string }[]; results: readonly CheckResult[] } {
  return { ok: run.ok, counts: run.counts, checks: checks.map(({ id, title }) => ({ id, title })), results: run.results };
}

export function formatJson(run: CheckRun, checks: readonly Check[]): string {
  return JSON.stringify(jsonReport(run, checks), null, 2);
}
