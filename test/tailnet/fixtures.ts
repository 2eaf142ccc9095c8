import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../src/config/load';
import type { TailnetConfig } from '../../src/config/tailnets';
import { basePolicyFragment, environmentPolicyFragment } from '../../src/tailnet/fragments';
import { parsePolicyHujson } from '../../src/tailnet/render';
import type { EnvironmentConfig } from '../../src/config/types';
import { tagOwnership } from '../../src/tailnet/attribution';
import { buildTailnetPolicies } from '../../src/tailnet/build';
import type { PolicyDocument, PolicyFragment, TailnetPolicy } from '../../src/tailnet/policy';
import type { PolicyContext } from '../../src/tailnet/validate';
import { ENVIRONMENTS } from '../fixtures';

/** The policies of the committed configuration (or of the given environments), by tailnet name. */
export function policies(environments: readonly EnvironmentConfig[] = ENVIRONMENTS): Record<string, TailnetPolicy> {
  return Object.fromEntries(buildTailnetPolicies(loadModel(environments)).map((p) => [p.tailnet.name, p]));
}

/** The one tailnet every environment lives on, composed with its committed people-owned snapshot. */
export function sharedTailnet(): TailnetPolicy {
  return policies()[ENVIRONMENTS[0]!.tailnet.tailnet]!;
}

/** The same tailnet composed from the fragments alone (no people-owned part). */
export function fragmentsOnly(): TailnetPolicy {
  return buildTailnetPolicies(loadModel(ENVIRONMENTS), () => undefined)[0]!;
}

/** Validation context of a built policy: its tailnet and who owns which tag. */
export function contextOf(policy: TailnetPolicy): PolicyContext {
  return { tailnet: policy.tailnet.name, ownership: tagOwnership([policy.base, ...policy.fragments]) };
}

/** A copy of `doc` changed by `mutate`. */
export function mutated(doc: PolicyDocument, mutate: (draft: PolicyDocument) => void): PolicyDocument {
  const draft = structuredClone(doc);
  mutate(draft);
  return draft;
}

/** A minimal document over the given tags, owned by one admin group. */
export function documentWith(parts: Partial<PolicyDocument>, tags: readonly string[] = ['tag:a', 'tag:b']): PolicyDocument {
  return {
    groups: { 'group:admins': ['admin@example.com'] },
    tagOwners: Object.fromEntries(tags.map((t) => [t, ['group:admins']])),
    grants: [],
    ssh: [],
    tests: [],
    sshTests: [],
    ...parts,
  };
}

/** The hand-written live policy modelled on the reference inventory (shared with the Pulumi tests). */
export const LIVE_POLICY_FILE = path.join(__dirname, '..', 'fixtures', 'tailnet', 'live-policy.hujson');

export function livePolicyText(): string {
  return fs.readFileSync(LIVE_POLICY_FILE, 'utf8');
}

export function livePolicy(): PolicyDocument {
  return parsePolicyHujson(livePolicyText(), 'live-policy.hujson');
}

/**
 * The environments the live fixture models: those whose cluster and VM tags it owns. An
 * environment added since (not yet on the real tailnet) has no entries there to take over.
 */
export function liveFixtureEnvironments(environments: readonly EnvironmentConfig[] = ENVIRONMENTS): EnvironmentConfig[] {
  const owned = livePolicy().tagOwners;
  const known = environments.filter((e) => e.tailnet.clusterTag in owned && e.tailnet.vmTag in owned);
  if (known.length === 0) throw new Error(`the live fixture ${LIVE_POLICY_FILE} owns the tags of none of ${environments.map((e) => e.name).join(', ')}`);
  return known;
}

/** The committed configuration's fragments of one tailnet (the base first). */
export function fragmentsOf(tailnet: TailnetConfig, environments: readonly EnvironmentConfig[] = ENVIRONMENTS): PolicyFragment[] {
  const own = environments.filter((e) => e.tailnet.tailnet === tailnet.name);
  return [basePolicyFragment(tailnet, own), ...own.map((e) => environmentPolicyFragment(e, tailnet))];
}
