/**
 * The tailnet policy document and its parts, as Tailscale's policy file spells them (only the
 * sections we write). Everything here is plain JSON: fragments travel through Pulumi stack
 * outputs and must survive a JSON round trip unchanged.
 */
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';

/** Network access: every `src` may reach every `dst` on every `ip` entry (`tcp:5432`, `udp:1000-2000`). */
export interface Grant {
  src: string[];
  dst: string[];
  ip: string[];
}

/** Tailscale SSH: `src` may log in to `dst` as one of `users`; `check` asks for a recent re-authentication. */
export interface SshRule {
  action: 'accept' | 'check';
  src: string[];
  dst: string[];
  users: string[];
}

/** A network test: `src` can reach each `accept` entry (`tag:x:5432`) and none of the `deny` entries. */
export interface PolicyTest {
  src: string;
  /** `tcp` or `udp`; our evaluator reads a missing one as `tcp`, and we always write it. */
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

export interface PolicyDocument {
  groups: Record<string, string[]>;
  tagOwners: Record<string, string[]>;
  grants: Grant[];
  ssh: SshRule[];
  tests: PolicyTest[];
  sshTests: SshTest[];
}

/** Who owns a fragment: the shared base, or an environment (by name). */
export const BASE_OWNER = 'base';

/**
 * The part of a tailnet's policy one party owns: the shared base or one environment. An
 * environment's fragment names only its own tags (plus the base's groups and tags), so it can
 * be deployed and composed on its own.
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
  readonly document: PolicyDocument;
}

/** The sections of a document, in the order they are written. */
export const SECTIONS = ['groups', 'tagOwners', 'grants', 'ssh', 'tests', 'sshTests'] as const;
export type Section = (typeof SECTIONS)[number];

/** An empty document (or fragment body), to build on. */
export function emptyDocument(): PolicyDocument {
  return { groups: {}, tagOwners: {}, grants: [], ssh: [], tests: [], sshTests: [] };
}
