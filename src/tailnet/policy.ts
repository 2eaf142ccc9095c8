/**
 * The tailnet policy document and its parts, as Tailscale's policy file spells them
 * (https://tailscale.com/kb/1337/policy-syntax). Everything here is plain JSON: fragments
 * travel through Pulumi stack outputs and must survive a JSON round trip unchanged. Sections
 * and fields this project never writes are typed loosely and preserved untouched.
 */
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';

/**
 * Access: every `src` may reach every `dst` on every `ip` entry (`tcp:5432`, `udp:1000-2000`,
 * `*`), and is given the `app` capabilities (not network access). `srcPosture` and `via`
 * make the grant conditional on the device's posture or its route.
 */
export interface Grant {
  src: string[];
  dst: string[];
  ip?: string[];
  app?: Record<string, unknown[]>;
  srcPosture?: string[];
  via?: string[];
}

/** A legacy ACL: `dst` entries are `host:ports`; `proto` narrows the protocol. */
export interface AclRule {
  action: string;
  src: string[];
  dst: string[];
  proto?: string | number;
  srcPosture?: string[];
}

/** Tailscale SSH: `src` may log in to `dst` as one of `users`; `check` asks for a recent re-authentication. */
export interface SshRule {
  action: 'accept' | 'check';
  src: string[];
  dst: string[];
  users: string[];
  checkPeriod?: string;
  acceptEnv?: string[];
  srcPosture?: string[];
}

/** A network test: `src` can reach each `accept` entry (`tag:x:5432`) and none of the `deny` entries. */
export interface PolicyTest {
  src: string;
  /** `tcp` or `udp`; a missing one is `tcp`, and we always write it. */
  proto?: string;
  accept?: string[];
  deny?: string[];
}

/** An SSH test: as which users `src` can log in to each `dst` (without check, only with check, or not at all). */
export interface SshTest {
  src: string;
  dst: string[];
  accept?: string[];
  deny?: string[];
  check?: string[];
}

/** A `nodeAttrs` entry (preserved; it grants no access). */
export interface NodeAttr {
  target: string[];
  attr?: string[];
  [field: string]: unknown;
}

export interface PolicyDocument {
  groups: Record<string, string[]>;
  tagOwners: Record<string, string[]>;
  grants: Grant[];
  ssh: SshRule[];
  tests: PolicyTest[];
  sshTests: SshTest[];
  hosts?: Record<string, string>;
  acls?: AclRule[];
  autoApprovers?: { routes?: Record<string, string[]>; exitNode?: string[]; [field: string]: unknown };
  nodeAttrs?: NodeAttr[];
  postures?: Record<string, string[]>;
  /** Applies to every rule without a `srcPosture` of its own. */
  defaultSrcPosture?: string[];
  /** Sections of the language this project does not interpret are kept as they are. */
  [section: string]: unknown;
}

/** Who owns a fragment: the shared base, or an environment (by name). */
export const BASE_OWNER = 'base';

/**
 * The part of a tailnet's policy our code owns: the shared base or one environment. An
 * environment's fragment names only its own tags (plus the base's tags), so it can be deployed
 * and composed on its own. Everything else in the document is people-owned.
 */
export interface PolicyFragment extends PolicyDocument {
  /** `base`, or the environment's name. */
  owner: string;
  /** The tags this fragment owns; a rule naming them is attributed to this owner. */
  tags: string[];
}

/** One tailnet's composed policy and the environments it covers. */
export interface TailnetPolicy {
  readonly tailnet: TailnetConfig;
  readonly environments: EnvironmentConfig[];
  readonly base: PolicyFragment;
  readonly fragments: PolicyFragment[];
  /** The people-owned part the document was composed with (a committed snapshot, or live). */
  readonly people: PolicyDocument;
  readonly document: PolicyDocument;
  /** Rules that open a path between two environments (people-owned ones are reported, not refused). */
  readonly isolation: readonly import('./isolation').IsolationFinding[];
  /** The fragments' tests left out of the document because a people-owned rule would fail them. */
  readonly withheld: readonly import('./withheld').WithheldTest[];
  /** How many entries of each list section of `document` are people-owned (they come first). */
  readonly peopleCounts: Readonly<Record<string, number>>;
  /** Reported, not blocking: what a reviewer would refuse in the people-owned part. */
  readonly findings: readonly import('./validate').PolicyProblem[];
  /** Reported, not blocking: test expectations the evaluator cannot prove offline. */
  readonly unproven: readonly import('./evaluate').PolicyTestOutcome[];
}

/** What rendering a policy file needs (the Pulumi writer renders documents it composed itself). */
export type RenderablePolicy = Pick<TailnetPolicy, 'tailnet' | 'environments' | 'base' | 'fragments' | 'document'>
  & Partial<Pick<TailnetPolicy, 'peopleCounts' | 'isolation' | 'withheld'>>;

/** The sections our code writes, in the order they are written; other sections follow, as found. */
export const SECTIONS = ['groups', 'tagOwners', 'grants', 'ssh', 'tests', 'sshTests'] as const;
export type Section = (typeof SECTIONS)[number];

/** An empty document (or fragment body), to build on. */
export function emptyDocument(): PolicyDocument {
  return { groups: {}, tagOwners: {}, grants: [], ssh: [], tests: [], sshTests: [] };
}

/** A parsed policy with the six sections we write present (empty when absent), everything else kept. */
export function normalizeDocument(value: Record<string, unknown>): PolicyDocument {
  const doc = { ...value } as PolicyDocument;
  for (const section of ['groups', 'tagOwners'] as const) if (doc[section] === undefined) doc[section] = {};
  for (const section of ['grants', 'ssh', 'tests', 'sshTests'] as const) if (doc[section] === undefined) doc[section] = [];
  return doc;
}
