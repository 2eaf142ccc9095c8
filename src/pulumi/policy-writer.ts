/**
 * What an environment's stack writes as its tailnet's policy (docs/decisions/0001): the live
 * policy with this environment's rules replaced by the code's and everything else kept exactly
 * as it is live, so another environment's rules stay as that environment last deployed them.
 * Plain functions of (model, environment, live policy text); the Pulumi component only writes
 * the result.
 *
 * Every document this project writes carries a stamp: the tailnet, a revision, the writing
 * environment and a digest of the content. A live policy without a valid stamp (hand-written,
 * or edited in the admin console since) is never overwritten silently.
 */
import { createHash } from 'node:crypto';
import type { Model } from '../config/load';
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';
import {
  type PolicyDocument, type PolicyFragment, type PolicyRule, SECTIONS, type TagOwnership, attributeRule,
  basePolicyFragment, canonicalJson, composeVerifiedPolicy, emptyDocument, environmentPolicyFragment,
  parsePolicyHujson, renderPolicyHujson, tagOwnershipOf,
} from '../tailnet';
import { UserError } from '../errors/user-error';


/**
 * The producer named in the header of the policy the stacks write. Not the writing stack: an
 * `up` without changes must write the very same text (the stamp records the writer).
 */
export const POLICY_PRODUCER = 'pulumi up --stack <environment>';

/** The stamp's line: first in the document, a HuJSON comment Tailscale keeps with the policy. */
export const POLICY_STAMP_PREFIX = '// tuist-tailnet-pooler policy stamp: ';

export interface PolicyStamp {
  /** The tailnet (a key of src/config/tailnets.ts) the document is for. */
  readonly tailnet: string;
  /** Counts the writes that changed the document. */
  readonly revision: number;
  /** The environment whose stack wrote this revision. */
  readonly writer: string;
  /** SHA-256 of the document's canonical JSON: a console edit changes the content, not the stamp. */
  readonly sha256: string;
}

/** How the live policy relates to what this project writes. */
export type LiveState =
  | 'managed' // stamped by this project, content unchanged since
  | 'unmanaged' // no stamp: hand-written, or Tailscale's default
  | 'edited'; // stamped, but changed since (admin console)

export interface PolicyWriteOptions {
  /** Write over an unmanaged or edited live policy (one reviewed `up`), dropping what nobody owns. */
  readonly overwriteUnmanaged: boolean;
}

/** One live entry, and why it matters. */
export interface PolicyEntry {
  readonly path: string;
  readonly reason: string;
}

export interface PolicyWrite {
  readonly tailnet: TailnetConfig;
  readonly liveState: LiveState;
  readonly document: PolicyDocument;
  /** The stamped HuJSON to write. */
  readonly hujson: string;
  readonly stamp: PolicyStamp;
  /** False when the live policy already is this document (nothing to write). */
  readonly changed: boolean;
  /** Environments whose rules are in the document: this one from code, the others as live. */
  readonly environments: readonly string[];
  /** Live entries the document no longer holds (this environment's old rules, or with `overwriteUnmanaged` anything nobody owns). */
  readonly removed: readonly PolicyEntry[];
}

/** Thrown when the stack must not write the tailnet's policy; says why and how to proceed. */
export class PolicyWriteError extends UserError {}

/** SHA-256 of a document's canonical JSON (key order and formatting do not matter). */
export function documentDigest(doc: PolicyDocument): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

export function renderPolicyStamp(stamp: PolicyStamp): string {
  return `${POLICY_STAMP_PREFIX}${JSON.stringify({ tailnet: stamp.tailnet, revision: stamp.revision, writer: stamp.writer, sha256: stamp.sha256 })}`;
}

/** The stamp of a policy text: undefined when there is none, 'malformed' when its line does not parse. */
export function readPolicyStamp(hujson: string): PolicyStamp | 'malformed' | undefined {
  const line = hujson.split('\n').find((l) => l.startsWith(POLICY_STAMP_PREFIX));
  if (line === undefined) return undefined;
  try {
    const value = JSON.parse(line.slice(POLICY_STAMP_PREFIX.length)) as Record<string, unknown>;
    const { tailnet, revision, writer, sha256 } = value;
    if (typeof tailnet === 'string' && Number.isInteger(revision) && (revision as number) > 0 && typeof writer === 'string'
      && typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256)) {
      return { tailnet, revision: revision as number, writer, sha256 };
    }
  } catch {
    // A stamp line that is not JSON was edited by hand, as one with the wrong fields.
  }
  return 'malformed';
}

/** A live policy text as a document, plus the top-level sections this project never writes. */
export function parseLivePolicy(hujson: string, tailnet: string): { document: PolicyDocument; foreignSections: string[] } {
  const parsed: unknown = hujson.trim() === '' ? {} : parsePolicyHujson(hujson, `the live policy of tailnet "${tailnet}"`);
  const value = (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as Record<string, unknown>;
  const document = emptyDocument() as unknown as Record<string, unknown>;
  const foreignSections: string[] = [];
  for (const [key, section] of Object.entries(value)) {
    const empty = document[key];
    const sameShape = empty !== undefined && Array.isArray(section) === Array.isArray(empty) && section !== null && typeof section === 'object';
    if (sameShape) document[key] = section;
    else foreignSections.push(key);
  }
  return { document: document as unknown as PolicyDocument, foreignSections };
}

/**
 * The policy `env`'s stack writes over `liveHujson`: the shared base and this environment's
 * fragment from code, every other environment of the tailnet that has deployed as it is live.
 * Throws a PolicyWriteError when the live policy belongs to another tailnet, or (unless
 * `overwriteUnmanaged`) was not written by this project or holds anything nobody owns; throws
 * a PolicyError when the composed document is invalid or fails its own tests.
 */
export function planPolicyWrite(model: Model, env: EnvironmentConfig, liveHujson: string, options: PolicyWriteOptions): PolicyWrite {
  const tailnet = model.tailnets.find((t) => t.name === env.tailnet.tailnet);
  if (tailnet === undefined) throw new PolicyWriteError(`Environment "${env.name}" names tailnet "${env.tailnet.tailnet}", which src/config/tailnets.ts does not declare.`);
  const onTailnet = model.environments.filter((e) => e.tailnet.tailnet === tailnet.name);
  const ownership = tagOwnershipOf(tailnet, onTailnet);

  const stamp = readPolicyStamp(liveHujson);
  if (stamp !== undefined && stamp !== 'malformed' && stamp.tailnet !== tailnet.name) {
    throw new PolicyWriteError(
      `Stack "${env.name}" writes the policy of tailnet "${tailnet.name}", but the tailnet its Tailscale credentials reach holds the policy of tailnet "${stamp.tailnet}" ` +
      `(revision ${stamp.revision}, written by stack "${stamp.writer}"). Nothing was written. Fix: point this stack's tailnetId and OAuth client at tailnet "${tailnet.name}".`,
    );
  }
  const live = parseLivePolicy(liveHujson, tailnet.name);
  const liveState: LiveState = stamp === undefined ? 'unmanaged' : stamp === 'malformed' || stamp.sha256 !== documentDigest(live.document) ? 'edited' : 'managed';
  const unowned = [
    ...live.foreignSections.map((section) => ({ path: section, reason: 'is a section this project never writes' })),
    ...unownedEntries(live.document, ownership),
  ];

  if ((liveState !== 'managed' || unowned.length > 0) && !options.overwriteUnmanaged) {
    throw new PolicyWriteError(refusal(env, tailnet, liveState, stamp, unowned));
  }

  const base = basePolicyFragment(tailnet, onTailnet);
  const fragments = onTailnet.flatMap((e) => {
    if (e.name === env.name) return [environmentPolicyFragment(e, tailnet)];
    const deployed = liveFragment(live.document, e.name, ownership);
    // An environment that never deployed has no tag owners live, and nothing to keep.
    return Object.keys(deployed.tagOwners).length > 0 ? [deployed] : [];
  });
  const document = composeVerifiedPolicy(tailnet, base, fragments);
  const environments = fragments.map((f) => f.owner);
  const sha256 = documentDigest(document);
  const previous = typeof stamp === 'object' ? stamp : undefined;
  // Rewriting an identical document keeps its stamp, so an `up` without changes writes nothing.
  const changed = liveState !== 'managed' || unowned.length > 0 || previous?.sha256 !== sha256;
  const newStamp: PolicyStamp = !changed && previous !== undefined
    ? previous
    : { tailnet: tailnet.name, revision: (previous?.revision ?? 0) + 1, writer: env.name, sha256 };
  const rendered = renderPolicyHujson(
    { tailnet, environments: onTailnet.filter((e) => environments.includes(e.name)), base, fragments, document },
    POLICY_PRODUCER,
  );
  return {
    tailnet, liveState, document, stamp: newStamp, changed, environments,
    removed: removedEntries(live, document, ownership),
    hujson: `${renderPolicyStamp(newStamp)}\n${rendered}`,
  };
}

/**
 * One environment's fragment as it is live: the tag owners of its tags and the rules
 * attributed to it, without the isolation tests composition adds (a test whose source is
 * another party's tag is one; composition writes them afresh).
 */
export function liveFragment(live: PolicyDocument, owner: string, ownership: TagOwnership): PolicyFragment {
  const tags = [...ownership].filter(([, o]) => o === owner).map(([tag]) => tag);
  const owns = (section: PolicyRule['section']) => (rule: unknown): boolean =>
    attributeRule({ section, rule } as PolicyRule, ownership).owner === owner;
  const ownSource = (rule: { src: string }): boolean => !ownership.has(rule.src) || ownership.get(rule.src) === owner;
  return {
    owner,
    tags,
    groups: {},
    tagOwners: Object.fromEntries(Object.entries(live.tagOwners).filter(([tag]) => tags.includes(tag))),
    grants: live.grants.filter(owns('grants')),
    ssh: live.ssh.filter(owns('ssh')),
    tests: live.tests.filter(owns('tests')).filter(ownSource),
    sshTests: live.sshTests.filter(owns('sshTests')).filter(ownSource),
  };
}

/** Live entries no party on the tailnet owns: rules naming unknown tags or several environments, tag owners of unknown tags. */
function unownedEntries(live: PolicyDocument, ownership: TagOwnership): PolicyEntry[] {
  const found: PolicyEntry[] = [];
  for (const tag of Object.keys(live.tagOwners)) {
    if (!ownership.has(tag)) found.push({ path: `tagOwners[${JSON.stringify(tag)}]`, reason: 'declares a tag no environment or the base owns' });
  }
  for (const section of SECTIONS.filter((s) => s !== 'groups' && s !== 'tagOwners')) {
    (live[section] as readonly PolicyRule['rule'][]).forEach((rule, i) => {
      const attribution = attributeRule({ section, rule } as PolicyRule, ownership);
      if (attribution.owner === undefined) found.push({ path: `${section}[${i}]`, reason: `${attribution.reason}: ${canonicalJson(rule)}` });
    });
  }
  return found;
}

/** Entries of the live policy the new document does not hold, with whom they belonged to. */
function removedEntries(live: { document: PolicyDocument; foreignSections: string[] }, next: PolicyDocument, ownership: TagOwnership): PolicyEntry[] {
  const removed: PolicyEntry[] = live.foreignSections.map((section) => ({ path: section, reason: 'is a section this project never writes' }));
  for (const section of ['groups', 'tagOwners'] as const) {
    for (const [key, value] of Object.entries(live.document[section])) {
      if (canonicalJson(next[section][key]) !== canonicalJson(value)) removed.push({ path: `${section}[${JSON.stringify(key)}]`, reason: `was ${canonicalJson(value)}` });
    }
  }
  for (const section of SECTIONS.filter((s) => s !== 'groups' && s !== 'tagOwners')) {
    const kept = new Set((next[section] as readonly unknown[]).map(canonicalJson));
    (live.document[section] as readonly PolicyRule['rule'][]).forEach((rule, i) => {
      if (kept.has(canonicalJson(rule))) return;
      const attribution = attributeRule({ section, rule } as PolicyRule, ownership);
      const whose = attribution.owner === undefined ? attribution.reason : `belonged to ${attribution.owner === 'base' ? 'the shared base' : `environment "${attribution.owner}"`}`;
      removed.push({ path: `${section}[${i}]`, reason: `${whose}: ${canonicalJson(rule)}` });
    });
  }
  return removed;
}

function refusal(env: EnvironmentConfig, tailnet: TailnetConfig, state: LiveState, stamp: PolicyStamp | 'malformed' | undefined, unowned: readonly PolicyEntry[]): string {
  const why = state === 'unmanaged'
    ? 'carries no stamp of this project: it was written by hand, by another tool, or is Tailscale\'s default'
    : state === 'edited'
      ? `was changed outside Pulumi since ${typeof stamp === 'object' ? `revision ${stamp.revision} (written by stack "${stamp.writer}")` : 'it was written (its stamp line was edited)'}: its content no longer matches the stamp`
      : 'holds entries no environment or the base owns';
  return [
    `Stack "${env.name}" did not write the policy of tailnet "${tailnet.name}": the live policy ${why}. Writing would silently replace it.`,
    ...unowned.map((u) => `  - ${u.path} ${u.reason}`),
    'Fix: if the live change is wanted, make it in src/config or src/tailnet and revert it in the admin console; to replace the live policy instead, review `pulumi preview`, ' +
    `then run one \`pulumi up\` after \`pulumi config set overwriteUnmanagedPolicy true --stack ${env.name}\`, and remove that setting afterwards.`,
  ].join('\n');
}
