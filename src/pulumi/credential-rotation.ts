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
