/**
 * The diff's pure core: two rendered output trees in (base and head `dist/`), a structured,
 * redacted DiffReport out. No git, no disk: the crafted base/head tests call this directly.
 */
import type { FileTree } from '../synth/output-tree';
import { objectDangers } from './dangers';
import { diffFields } from './object-diff';
import { diffPolicy } from './policy-diff';
import { redactTree } from './redact';
import type { Danger, DiffReport, EnvironmentDiff, FileChange, ObjectChange, ObjectRef, TailnetDiff } from './report';
import { type ParseCache, type RenderedObject, type RenderedTree, readRenderedTree } from './rendered-tree';

const REVIEW_ACCESS = "Check that it names one environment's tags only, and only the ports and users it needs.";

/**
 * `cache`: parsed file contents to share (the diff fills it with the head's files while the
 * base renders); one parse per distinct content, so an unchanged file yields the very same
 * objects on both sides.
 */
export function diffTrees(base: FileTree, head: FileTree, cache: ParseCache = new Map()): DiffReport {
  const before = readRenderedTree(base, cache);
  const after = readRenderedTree(head, cache);
  const dangers: Danger[] = [];
  const environments = sortedUnion(before.environments, after.environments)
    .map((name) => diffEnvironment(name, before.environments.get(name) ?? new Map(), after.environments.get(name) ?? new Map(), dangers));
  const tailnets = sortedUnion(before.tailnets, after.tailnets).map((name) => diffTailnet(name, before.tailnets.get(name), after.tailnets.get(name), dangers));
  return { environments, tailnets, files: diffOtherFiles(before, after), dangers };
}

function diffEnvironment(
  environment: string,
  before: ReadonlyMap<string, RenderedObject>,
  after: ReadonlyMap<string, RenderedObject>,
  dangers: Danger[],
): EnvironmentDiff {
  const scope = `environment ${environment}`;
  const added: ObjectRef[] = [];
  const removed: ObjectRef[] = [];
  const changed: ObjectChange[] = [];
  for (const key of sortedUnion(before, after)) {
    const b = before.get(key);
    const a = after.get(key);
    if (b === undefined) added.push({ key, content: redactTree(a!.object) });
    else if (a === undefined) removed.push({ key, content: redactTree(b.object) });
    else if (b.object !== a.object) {
      const fields = diffFields(b.object, a.object);
      if (fields.length === 0) continue;
      changed.push({ key, fields });
      dangers.push(...objectDangers(scope, key, b.object, a.object));
    }
  }
  return { environment, added, removed, changed };
}

function diffTailnet(tailnet: string, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined, dangers: Danger[]): TailnetDiff {
  // An unchanged policy file was parsed once: the same object on both sides, nothing to compare.
  const sections = before !== undefined && before === after ? [] : diffPolicy(before ?? {}, after ?? {});
  const scope = `tailnet ${tailnet}`;
  for (const section of sections) {
    for (const rule of section.added.filter((r) => r.widens)) {
      dangers.push({ kind: 'widens-access', scope, subject: `${section.section}: ${rule.summary}`, message: `new rule. ${REVIEW_ACCESS}` });
    }
    for (const rule of section.changed.filter((r) => r.widens)) {
      const gained = Object.entries(rule.fields).filter(([, d]) => d.gained.length > 0).map(([field, d]) => `${field} gains ${d.gained.map(String).join(', ')}`);
      const lost = Object.entries(rule.fields).filter(([, d]) => d.lost.length > 0).map(([field, d]) => `${field} loses ${d.lost.map(String).join(', ')}`);
      dangers.push({ kind: 'widens-access', scope, subject: `${section.section}: ${rule.before}`, message: `lets more through now (${[...gained, ...lost].join('; ')}). ${REVIEW_ACCESS}` });
    }
  }
  const status = before === undefined ? 'added' : after === undefined ? 'removed' : sections.length > 0 ? 'changed' : 'unchanged';
  return { tailnet, sections, status };
}

function diffOtherFiles(before: RenderedTree, after: RenderedTree): FileChange[] {
  const files: FileChange[] = [];
  for (const file of sortedUnion(before.others, after.others)) {
    const b = before.others.get(file);
    const a = after.others.get(file);
    const note = a?.note ?? b?.note;
    const change: FileChange['change'] | undefined = b === undefined ? 'added' : a === undefined ? 'removed' : a.content !== b.content ? 'changed' : undefined;
    if (change !== undefined) files.push(note === undefined ? { file, change } : { file, change, note });
  }
  return files;
}

function sortedUnion(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}
