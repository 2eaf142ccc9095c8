import fc from 'fast-check';
import { DAY_MS, rotationWindow } from '../../src/pulumi/credential-rotation';

const policy = { expiryDays: 30, rotateBeforeExpiryDays: 14 };

describe('credential rotation windows', () => {
  test('a window is expiryDays - rotateBeforeExpiryDays long, counted from the epoch', () => {
    const window = rotationWindow(policy, new Date('2026-03-10T12:00:00Z'));
    expect(window.endsAt.getTime() - window.startsAt.getTime()).toBe(16 * DAY_MS);
    expect(window.startsAt.getTime()).toBe(window.index * 16 * DAY_MS);
    expect(window.startsAt.getTime()).toBeLessThanOrEqual(Date.parse('2026-03-10T12:00:00Z'));
    expect(window.endsAt.getTime()).toBeGreaterThan(Date.parse('2026-03-10T12:00:00Z'));
  });

  test('the window depends on the clock alone: the same instant gives the same window', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    expect(rotationWindow(policy, now)).toEqual(rotationWindow(policy, new Date(now.getTime())));
  });

  test('any up within rotateBeforeExpiryDays of a key\'s expiry is in a later window, so it replaces the key', () => {
    const policies = fc.integer({ min: 2, max: 90 }).chain((expiryDays) => fc.record({
      expiryDays: fc.constant(expiryDays),
      rotateBeforeExpiryDays: fc.integer({ min: 1, max: expiryDays - 1 }),
    }));
    const year2100 = Date.parse('2100-01-01T00:00:00Z');
    fc.assert(fc.property(policies, fc.integer({ min: 0, max: year2100 }), fc.double({ min: 0, max: 1, noNaN: true }), (p, mintedAt, fraction) => {
      const expiresAt = mintedAt + p.expiryDays * DAY_MS;
      // An up somewhere in the last rotateBeforeExpiryDays before expiry (or after it).
      const upAt = Math.floor(expiresAt - p.rotateBeforeExpiryDays * DAY_MS * fraction);
      expect(rotationWindow(p, new Date(upAt)).index).toBeGreaterThan(rotationWindow(p, new Date(mintedAt)).index);
    }));
  });

  test('ups inside one window keep the key', () => {
    const window = rotationWindow(policy, new Date('2026-03-10T12:00:00Z'));
    expect(rotationWindow(policy, window.startsAt).index).toBe(window.index);
    expect(rotationWindow(policy, new Date(window.endsAt.getTime() - 1)).index).toBe(window.index);
    expect(rotationWindow(policy, window.endsAt).index).toBe(window.index + 1);
  });

  test('fails when rotateBeforeExpiryDays leaves no window', () => {
    expect(() => rotationWindow({ expiryDays: 30, rotateBeforeExpiryDays: 30 }, new Date())).toThrow(/expiryDays 30 and rotateBeforeExpiryDays 30: .* at least 1\. Fix: lower rotateBeforeExpiryDays/);
  });

  test('fails when the clock is not a valid date', () => {
    expect(() => rotationWindow(policy, new Date('not a date'))).toThrow(/invalid date/);
  });
});
