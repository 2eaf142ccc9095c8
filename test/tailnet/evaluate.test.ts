import { canConnect, canSsh, reachablePorts, runPolicyTests } from '../../src/tailnet/evaluate';
import { documentWith } from './fixtures';

describe('canConnect', () => {
  test('allows a tag to reach a tag on a granted tcp port and names the grant', () => {
    const doc = documentWith({ grants: [{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432'] }] });
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 5432)).toEqual({ allowed: true, rule: 'grants[0] (tag:a → tag:b on tcp:5432)' });
  });

  test('denies by default: other ports, the other protocol, the reverse direction, other sources', () => {
    const doc = documentWith({ grants: [{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432'] }] });
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 5433).allowed).toBe(false);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'udp', 5432).allowed).toBe(false);
    expect(canConnect(doc, 'tag:b', 'tag:a', 'tcp', 5432).allowed).toBe(false);
    expect(canConnect(doc, 'tag:c', 'tag:b', 'tcp', 5432)).toEqual({ allowed: false });
  });

  test('port ranges include both ends and nothing outside', () => {
    const doc = documentWith({ grants: [{ src: ['tag:a'], dst: ['tag:b'], ip: ['udp:1000-1002'] }] });
    expect([999, 1000, 1001, 1002, 1003].map((p) => canConnect(doc, 'tag:a', 'tag:b', 'udp', p).allowed)).toEqual([false, true, true, true, false]);
  });

  test('a group source covers its member users; a group given as source does not inherit grants to individual users', () => {
    const doc = documentWith({
      groups: { 'group:ops': ['oncall@example.com'] },
      grants: [
        { src: ['group:ops'], dst: ['tag:b'], ip: ['tcp:22'] },
        { src: ['oncall@example.com'], dst: ['tag:b'], ip: ['tcp:80'] },
      ],
    });
    expect(canConnect(doc, 'oncall@example.com', 'tag:b', 'tcp', 22).allowed).toBe(true);
    expect(canConnect(doc, 'someone@example.com', 'tag:b', 'tcp', 22).allowed).toBe(false);
    expect(canConnect(doc, 'group:ops', 'tag:b', 'tcp', 22).allowed).toBe(true);
    expect(canConnect(doc, 'group:ops', 'tag:b', 'tcp', 80).allowed).toBe(false);
  });

  test('wildcards open what they say, so a catch-all grant is visible to the tests', () => {
    const doc = documentWith({ grants: [{ src: ['*'], dst: ['*'], ip: ['*'] }] });
    expect(canConnect(doc, 'tag:a', 'tag:b', 'udp', 65535).allowed).toBe(true);
    const tagged = documentWith({ grants: [{ src: ['autogroup:tagged'], dst: ['tag:b'], ip: ['tcp:*'] }] });
    expect(canConnect(tagged, 'tag:a', 'tag:b', 'tcp', 1).allowed).toBe(true);
    expect(canConnect(tagged, 'someone@example.com', 'tag:b', 'tcp', 1).allowed).toBe(false);
  });

  test('names the first grant that allows the connection', () => {
    const doc = documentWith({ grants: [
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:22'] },
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432'] },
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5000-6000'] },
    ] });
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 5432).rule).toBe('grants[1] (tag:a → tag:b on tcp:5432)');
  });
});

describe('reachablePorts', () => {
  test('merges overlapping and adjacent ranges of the matching grants, per protocol', () => {
    const doc = documentWith({ grants: [
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:10-20', 'tcp:21', 'udp:5'] },
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:15-30', 'tcp:40'] },
      { src: ['tag:c'], dst: ['tag:b'], ip: ['tcp:1-100'] },
    ] }, ['tag:a', 'tag:b', 'tag:c']);
    expect(reachablePorts(doc, 'tag:a', 'tag:b', 'tcp')).toEqual([
      { proto: 'tcp', from: 10, to: 30 },
      { proto: 'tcp', from: 40, to: 40 },
    ]);
    expect(reachablePorts(doc, 'tag:a', 'tag:b', 'udp')).toEqual([{ proto: 'udp', from: 5, to: 5 }]);
  });
});

describe('canSsh', () => {
  test('accepts the listed user only, with the rule named', () => {
    const doc = documentWith({ ssh: [{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['admin'] }] });
    expect(canSsh(doc, 'tag:a', 'tag:b', 'admin')).toEqual({ allowed: true, action: 'accept', rule: 'ssh[0] (accept tag:a → tag:b as admin)' });
    expect(canSsh(doc, 'tag:a', 'tag:b', 'root')).toEqual({ allowed: false });
    expect(canSsh(doc, 'tag:b', 'tag:a', 'admin').allowed).toBe(false);
  });

  test('the first matching rule decides between accept and check', () => {
    const doc = documentWith({
      groups: { 'group:ops': ['oncall@example.com'] },
      ssh: [
        { action: 'check', src: ['group:ops'], dst: ['tag:b'], users: ['admin'] },
        { action: 'accept', src: ['oncall@example.com'], dst: ['tag:b'], users: ['admin'] },
      ],
    });
    expect(canSsh(doc, 'oncall@example.com', 'tag:b', 'admin')).toMatchObject({ allowed: true, action: 'check', rule: expect.stringMatching(/^ssh\[0\]/) });
  });

  test('autogroup:nonroot covers every user but root', () => {
    const doc = documentWith({ ssh: [{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['autogroup:nonroot'] }] });
    expect(canSsh(doc, 'tag:a', 'tag:b', 'deploy').allowed).toBe(true);
    expect(canSsh(doc, 'tag:a', 'tag:b', 'root').allowed).toBe(false);
  });
});

describe('runPolicyTests', () => {
  const doc = documentWith({
    groups: { 'group:ops': ['oncall@example.com'] },
    grants: [{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432', 'udp:53'] }],
    ssh: [
      { action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['admin'] },
      { action: 'check', src: ['group:ops'], dst: ['tag:b'], users: ['admin'] },
    ],
  });

  test('passes when every expectation holds', () => {
    const passing = {
      ...doc,
      tests: [
        { src: 'tag:a', proto: 'tcp', accept: ['tag:b:5432'], deny: ['tag:b:22', 'tag:a:5432'] },
        { src: 'tag:a', proto: 'udp', accept: ['tag:b:53'], deny: ['tag:b:5432'] },
        { src: 'tag:b', accept: [], deny: ['tag:a:5432'] },
      ],
      sshTests: [
        { src: 'tag:a', dst: ['tag:b'], accept: ['admin'], deny: ['root'] },
        { src: 'group:ops', dst: ['tag:b'], check: ['admin'], deny: ['root'] },
      ],
    };
    expect(runPolicyTests(passing)).toEqual([]);
  });

  test('fails when a denied target is reachable, naming the test and the grant that opens it', () => {
    const failures = runPolicyTests({ ...doc, tests: [{ src: 'tag:a', proto: 'tcp', deny: ['tag:b:5432'] }] });
    expect(failures).toEqual([{
      test: 'tests[0] (src tag:a, tcp)',
      expectation: 'deny tag:b:5432',
      rule: 'grants[0] (tag:a → tag:b on tcp:5432, udp:53)',
      message: 'tests[0] (src tag:a, tcp): expected tag:a to be denied tag:b:5432 over tcp, but grants[0] (tag:a → tag:b on tcp:5432, udp:53) allows it.',
    }]);
  });

  test('fails when an accepted target is unreachable', () => {
    const failures = runPolicyTests({ ...doc, tests: [{ src: 'tag:a', proto: 'udp', accept: ['tag:b:5432'] }] });
    expect(failures.map((f) => f.message)).toEqual(['tests[0] (src tag:a, udp): expected tag:a to reach tag:b:5432 over udp, but no grant allows it.']);
  });

  test('fails when an SSH expectation differs, naming the rule (accept expected, check given; root let in)', () => {
    const withRoot = { ...doc, ssh: [...doc.ssh, { action: 'accept' as const, src: ['tag:a'], dst: ['tag:b'], users: ['root'] }] };
    const failures = runPolicyTests({ ...withRoot, sshTests: [
      { src: 'group:ops', dst: ['tag:b'], accept: ['admin'] },
      { src: 'tag:a', dst: ['tag:b'], deny: ['root'] },
    ] });
    expect(failures.map((f) => [f.test, f.expectation, f.rule])).toEqual([
      ['sshTests[0] (src group:ops)', 'accept admin@tag:b', 'ssh[1] (check group:ops → tag:b as admin)'],
      ['sshTests[1] (src tag:a)', 'deny root@tag:b', 'ssh[2] (accept tag:a → tag:b as root)'],
    ]);
  });

  test('fails when an entry is outside what the evaluator models, instead of guessing', () => {
    const failures = runPolicyTests({ ...doc, grants: [{ src: ['autogroup:internet'], dst: ['100.64.0.1'], ip: ['icmp:*'] }] });
    expect(failures.map((f) => f.test)).toEqual(['grants[0].src[0]', 'grants[0].dst[0]', 'grants[0].ip[0]']);
    expect(failures[0]!.message).toMatch(/cannot judge the policy's tests/);
  });

  test('fails when a test is malformed (bad target, bad protocol)', () => {
    const failures = runPolicyTests({ ...doc, tests: [{ src: 'tag:a', accept: ['tag:b'] }, { src: 'tag:a', proto: 'icmp', deny: ['tag:b:1'] }] });
    expect(failures.map((f) => f.message)).toEqual([
      'tests[0] (src tag:a, tcp): "tag:b" is not "<tag>:<port>" with one port from 1 to 65535.',
      'tests[1] (src tag:a): proto "icmp" is not one of tcp, udp.',
    ]);
  });
});
