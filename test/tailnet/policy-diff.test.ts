/**
 * What the rendered diff says about policy changes a reviewer must not miss: an SSH rule moving
 * from `check` to `accept`, and a change of a pooler proxy's tags.
 */
import { objectDangers } from '../../src/diff/dangers';
import { diffPolicy } from '../../src/diff/policy-diff';
import { findObject, staging, synth } from '../fixtures';

describe('policy diff', () => {
  const check = { action: 'check', src: ['group:ops'], dst: ['tag:vm'], users: ['deploy'], checkPeriod: '12h' };

  test('an SSH rule moving from check to accept is flagged as widening, even when its checkPeriod goes with it', () => {
    const accept = { action: 'accept', src: ['group:ops'], dst: ['tag:vm'], users: ['deploy'] };
    const [ssh] = diffPolicy({ ssh: [check] }, { ssh: [accept] });
    expect(ssh).toMatchObject({ section: 'ssh', added: [], removed: [], changed: [expect.objectContaining({ widens: true, fields: expect.objectContaining({ action: { gained: ['accept'], lost: ['check'] } }) })] });
  });

  test('accept moving to check narrows and is not flagged', () => {
    const accept = { action: 'accept', src: ['group:ops'], dst: ['tag:vm'], users: ['deploy'] };
    const [ssh] = diffPolicy({ ssh: [accept] }, { ssh: [{ ...accept, action: 'check' }] });
    expect(ssh!.changed).toEqual([expect.objectContaining({ widens: false })]);
  });
});

describe('pooler proxy retag', () => {
  test('a change of the Pooler\'s tailscale.com/tags is dangerous and names the runbook', () => {
    const before = JSON.parse(JSON.stringify(findObject(synth(staging), 'Pooler')));
    const after = JSON.parse(JSON.stringify(before));
    after.spec.serviceTemplate.metadata.annotations['tailscale.com/tags'] = 'tag:tuist-pg-pooler-other-staging';
    expect(objectDangers('environment staging', 'Pooler/x', before, after)).toEqual([expect.objectContaining({
      kind: 'proxy-retag',
      message: expect.stringMatching(/applies a proxy's tags only when it first creates the proxy.*docs\/runbooks\/retag-pooler-proxy\.md/),
    })]);
    expect(objectDangers('environment staging', 'Pooler/x', before, JSON.parse(JSON.stringify(before)))).toEqual([]);
  });
});
