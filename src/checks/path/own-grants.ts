/**
 * The part of a tailnet's composed policy our fragments wrote: a path is proven through our own
 * grants only, because a people-owned rule (the live catch-all) may go at any time and take the
 * path with it (docs/tailnet-policy.md).
 */
import type { PolicyDocument, TailnetPolicy } from '../../tailnet';

export interface OwnGrants {
  /** The composed document with only our grants (people's come first in it) and no legacy acls. */
  readonly document: PolicyDocument;
  /** A rule name of `document` (`grants[2]`) as the composed document numbers it. */
  rule(name: string | undefined): string | undefined;
}

export function ownGrants(policy: Pick<TailnetPolicy, 'document' | 'peopleCounts'>): OwnGrants {
  const offset = policy.peopleCounts?.grants ?? 0;
  return {
    document: { ...policy.document, grants: policy.document.grants.slice(offset), acls: [] },
    rule: (name) => name?.replace(/^grants\[(\d+)\]/, (_m, i: string) => `grants[${Number(i) + offset}]`),
  };
}
