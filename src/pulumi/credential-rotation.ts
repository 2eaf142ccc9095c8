/**
 * When the VM's auth key is replaced (docs/decisions/0001-pulumi-stack-per-environment.md).
 *
 * Time is cut into rotation windows of `expiryDays - rotateBeforeExpiryDays` days, counted
 * from the Unix epoch. A key carries its window in its description, and every TailnetKey
 * input forces a replacement, so the first `pulumi up` in a later window mints a new key. A
 * key minted at any moment of window n is replaced by any `up` from window n+1 on, which is
 * at the latest when it has `rotateBeforeExpiryDays` left. The window depends on the clock
 * alone: no state to read, nothing that can fail on a stack's first `up`.
 */

export const DAY_MS = 86_400_000;

/** What the stack outputs say for an expiry or a renewal that never comes (an OAuth client). */
export const NEVER = 'never';

/** The lifetimes that decide rotation: the `vmCredential` of a Pulumi-minted auth key. */
export interface RotationPolicy {
  readonly expiryDays: number;
  readonly rotateBeforeExpiryDays: number;
}

export interface RotationWindow {
  /** Whole windows since the epoch; a key minted in this window carries this number. */
  readonly index: number;
  readonly startsAt: Date;
  /** From this moment on, any `pulumi up` replaces a key minted in this window. */
  readonly endsAt: Date;
}

/** The window `now` falls in. */
export function rotationWindow(policy: RotationPolicy, now: Date): RotationWindow {
  const periodDays = policy.expiryDays - policy.rotateBeforeExpiryDays;
  if (!Number.isInteger(periodDays) || periodDays < 1) {
    throw new Error(
      `Cannot rotate a key with expiryDays ${policy.expiryDays} and rotateBeforeExpiryDays ${policy.rotateBeforeExpiryDays}: ` +
      'their difference (the rotation window) must be a whole number of days, at least 1. Fix: lower rotateBeforeExpiryDays.',
    );
  }
  if (Number.isNaN(now.getTime())) throw new Error('Cannot pick a rotation window for an invalid date; pass a valid clock.');
  const periodMs = periodDays * DAY_MS;
  const index = Math.floor(now.getTime() / periodMs);
  return { index, startsAt: new Date(index * periodMs), endsAt: new Date((index + 1) * periodMs) };
}

/** The stack output facts a renewal is decided on (`pulumi stack output vmCredential --json`). */
export interface RenewalFacts {
  readonly kind: string;
  /** RFC 3339, or {@link NEVER}. */
  readonly expiresAt: string;
  /** RFC 3339, or {@link NEVER}. */
  readonly nextRenewal: string;
}

export type RenewalDecision =
  | { readonly renew: false; readonly message: string }
  | { readonly renew: true; readonly message: string; readonly expiresAt: Date; readonly daysLeft: number };

/**
 * What the daily scheduled run does with an environment's VM credential: renew a key from its
 * next renewal on (a targeted `pulumi up` of the credential, which mints the key of the window
 * `now` falls in), nothing otherwise. The same function decides in the workflow
 * (`npm run credential-renewal`) and in the year-long simulation test.
 */
export function renewalDecision(facts: RenewalFacts, now: Date): RenewalDecision {
  if (facts.expiresAt === NEVER || facts.nextRenewal === NEVER) {
    return { renew: false, message: `the VM ${facts.kind} never expires; nothing to renew.` };
  }
  const expiresAt = new Date(facts.expiresAt);
  const nextRenewal = new Date(facts.nextRenewal);
  for (const [field, date, raw] of [['expiresAt', expiresAt, facts.expiresAt], ['nextRenewal', nextRenewal, facts.nextRenewal]] as const) {
    if (Number.isNaN(date.getTime())) {
      throw Object.assign(new Error(`The stack output vmCredential.${field} is ${JSON.stringify(raw)}, neither an RFC 3339 time nor "${NEVER}". Fix: run \`pulumi up\` of the stack once with this commit's program, which exports it.`), { userFacing: true });
    }
  }
  const daysLeft = Math.floor((expiresAt.getTime() - now.getTime()) / DAY_MS * 10) / 10;
  if (now.getTime() < nextRenewal.getTime()) {
    return { renew: false, message: `the VM ${facts.kind} expires at ${facts.expiresAt} (${daysLeft} days left); renewed from ${facts.nextRenewal} on.` };
  }
  const state = daysLeft <= 0 ? `EXPIRED at ${facts.expiresAt}` : `expires at ${facts.expiresAt} (${daysLeft} days left)`;
  return { renew: true, expiresAt, daysLeft, message: `the VM ${facts.kind} ${state}, due for renewal since ${facts.nextRenewal}.` };
}

/** The alert of a failed renewal: what, how long is left, and what to do. */
export function renewalFailure(environment: string, decision: Extract<RenewalDecision, { renew: true }>): string {
  return `${environment}: renewing the VM credential failed; ${decision.message} New VMs cannot join once it expires. ` +
    `The next scheduled run retries. Fix: read this job's log, then run the workflow "credentials" by hand, or \`pulumi up --stack ${environment}\`.`;
}
