/**
 * The structured result of comparing two rendered output trees (`dist/` at a base and at the
 * head): what the renderers print and what decides the exit code. Every value in it is
 * already redacted (src/diff/redact.ts), so any renderer may print it as it is.
 */

/** One field of an object or policy entry that differs. `before`/`after` are absent on the side where the field does not exist. */
export interface FieldChange {
  /** Readable path, e.g. `spec.template.spec.containers[name=xcresult-processor].image`. */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A Kubernetes object, identified as in reports: `Kind/namespace/name`. */
export interface ObjectRef {
  readonly key: string;
  /** The object as rendered (redacted), for added and removed objects. */
  readonly content: unknown;
}

export interface ObjectChange {
  readonly key: string;
  readonly fields: readonly FieldChange[];
}

/** One environment's manifests (`dist/<env>/*.yaml`). */
export interface EnvironmentDiff {
  readonly environment: string;
  readonly added: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
  readonly changed: readonly ObjectChange[];
}

/** A rule, test or map entry of a policy, with the words a reviewer reads. */
export interface PolicyEntry {
  readonly summary: string;
  readonly value: unknown;
  /** True when this entry, added, lets more traffic or logins through. */
  readonly widens: boolean;
}

/** An entry present on both sides (matched by content) whose lists gained or lost members. */
export interface PolicyEntryChange {
  readonly before: string;
  readonly after: string;
  /** Per field, the members it gained and lost, e.g. `{ src: { gained: ['tag:a'], lost: [] } }`. */
  readonly fields: Readonly<Record<string, { readonly gained: readonly unknown[]; readonly lost: readonly unknown[] }>>;
  readonly widens: boolean;
}

/** One top-level section of a policy document (`grants`, `ssh`, `tests`, `groups`, …). */
export interface PolicySectionDiff {
  readonly section: string;
  readonly added: readonly PolicyEntry[];
  readonly removed: readonly PolicyEntry[];
  readonly changed: readonly PolicyEntryChange[];
}

/** One tailnet's policy (`dist/tailnet/<tailnet>.hujson`). */
export interface TailnetDiff {
  readonly tailnet: string;
  readonly sections: readonly PolicySectionDiff[];
  /** Whole document added or removed. */
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
}

/** A file the diff does not read as manifests or a policy (diagrams, notes), or could not parse. */
export interface FileChange {
  readonly file: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Why it is listed as a file and not read, e.g. a parse error. */
  readonly note?: string;
}

export type DangerKind = 'immutable-field' | 'exposure-removed' | 'widens-access' | 'proxy-retag';

/** A change Kubernetes rejects, or one that is risky to apply: listed first. */
export interface Danger {
  readonly kind: DangerKind;
  /** `environment staging` or `tailnet tuist`. */
  readonly scope: string;
  /** The object key or the rule in words. */
  readonly subject: string;
  /** What changed, why it is dangerous, what to do. */
  readonly message: string;
}

export interface DiffReport {
  /** Every environment found on either side, in name order, changed or not. */
  readonly environments: readonly EnvironmentDiff[];
  readonly tailnets: readonly TailnetDiff[];
  readonly files: readonly FileChange[];
  readonly dangers: readonly Danger[];
}

export function environmentHasChanges(diff: EnvironmentDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length > 0;
}

export function tailnetHasChanges(diff: TailnetDiff): boolean {
  return diff.status !== 'unchanged';
}

export function hasChanges(report: DiffReport): boolean {
  return report.environments.some(environmentHasChanges) || report.tailnets.some(tailnetHasChanges) || report.files.length > 0;
}
