/**
 * What the Markdown and text renderers say alike: value formatting, danger titles, the
 * per-scope counts.
 */
import type { DangerKind, DiffReport, PolicyEntryChange } from './report';

export interface RenderOptions {
  /** The base the diff was taken against, as the user named it (a git ref). */
  readonly base?: string;
  /** Lines printed under the title, e.g. how the base was rendered. */
  readonly notes?: readonly string[];
  /** Markdown only: the longest text to return (a pull-request comment holds 65,536 characters). */
  readonly maxLength?: number;
}

export const DANGER_TITLES: Readonly<Record<DangerKind, string>> = {
  'immutable-field': 'immutable field',
  'exposure-removed': 'tailnet exposure removed',
  'widens-access': 'widens access',
  'proxy-retag': 'tailnet proxy tags change',
};

/** One line of JSON: strings quoted, so `""`, `"1"` and `1` read differently. */
export function showValue(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export interface ScopeCounts {
  readonly scope: string;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** Per environment and per tailnet: objects (or policy entries) added, removed, changed. */
export function changeCounts(report: DiffReport): ScopeCounts[] {
  return [
    ...report.environments.map((e) => ({ scope: `environment ${e.environment}`, added: e.added.length, removed: e.removed.length, changed: e.changed.length })),
    ...report.tailnets.map((t) => ({
      scope: `tailnet ${t.tailnet}`,
      added: t.sections.reduce((n, s) => n + s.added.length, 0),
      removed: t.sections.reduce((n, s) => n + s.removed.length, 0),
      changed: t.sections.reduce((n, s) => n + s.changed.length, 0),
    })),
  ];
}

/** `src gains tag:a, tag:b`, `ip loses tcp:22`: one phrase per field and direction; `show` formats each name and member. */
export function fieldDeltas(change: PolicyEntryChange, show: (text: string) => string): string[] {
  return Object.entries(change.fields).flatMap(([field, delta]) => [
    ...(delta.gained.length > 0 ? [`${show(field)} gains ${delta.gained.map((x) => show(showValue(x))).join(', ')}`] : []),
    ...(delta.lost.length > 0 ? [`${show(field)} loses ${delta.lost.map((x) => show(showValue(x))).join(', ')}`] : []),
  ]);
}
