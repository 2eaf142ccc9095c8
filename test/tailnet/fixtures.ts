import { loadModel } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/types';
import { tagOwnership } from '../../src/tailnet/attribution';
import { buildTailnetPolicies } from '../../src/tailnet/build';
import type { PolicyDocument, TailnetPolicy } from '../../src/tailnet/policy';
import type { PolicyContext } from '../../src/tailnet/validate';
import { ENVIRONMENTS } from '../fixtures';

/** The policies of the committed configuration (or of the given environments), by tailnet name. */
export function policies(environments: readonly EnvironmentConfig[] = ENVIRONMENTS): Record<string, TailnetPolicy> {
  return Object.fromEntries(buildTailnetPolicies(loadModel(environments)).map((p) => [p.tailnet.name, p]));
}

/** The shared tailnet canary and production live on. */
export function sharedTailnet(): TailnetPolicy {
  return policies()['tuist']!;
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
