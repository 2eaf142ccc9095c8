/**
 * The evaluator's semantics, one at a time, on small policies written for each.
 */
import { canConnect, canSsh, evaluatePolicyTests, reach, runPolicyTests } from '../../src/tailnet/evaluate';
import type { PolicyDocument } from '../../src/tailnet/policy';
import { documentWith } from './fixtures';

const grantDoc = (grants: PolicyDocument['grants'], extra: Partial<PolicyDocument> = {}): PolicyDocument => documentWith({ grants, ...extra });

describe('grants', () => {
  test('allow a granted tcp port and name the grant', () => {
    const doc = grantDoc([{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432'] }]);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 5432)).toEqual({ allowed: true, verdict: 'allow', rule: 'grants[0] (tag:a → tag:b on tcp:5432)' });
  });

  test('deny by default: other ports, the other protocol, the reverse direction, other sources', () => {
    const doc = grantDoc([{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432'] }]);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 5433).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:a', 'tag:b', 'udp', 5432).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:b', 'tag:a', 'tcp', 5432).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:c', 'tag:b', 'tcp', 5432)).toEqual({ allowed: false, verdict: 'deny' });
  });

  test('ranges include both ends; comma lists and bare ports (tcp and udp) are read; another protocol opens no tcp/udp port', () => {
    const doc = grantDoc([{ src: ['tag:a'], dst: ['tag:b'], ip: ['udp:1000-1002', 'tcp:80,443', '53', 'icmp:*'] }]);
    expect([999, 1000, 1002, 1003].map((p) => canConnect(doc, 'tag:a', 'tag:b', 'udp', p).allowed)).toEqual([false, true, true, false]);
    expect([80, 443, 81].map((p) => canConnect(doc, 'tag:a', 'tag:b', 'tcp', p).allowed)).toEqual([true, true, false]);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 53).allowed && canConnect(doc, 'tag:a', 'tag:b', 'udp', 53).allowed).toBe(true);
  });

  test('a capability grant (app without ip) opens no port: it is not network access', () => {
    const doc = grantDoc([{ src: ['tag:a'], dst: ['tag:b'], app: { 'tailscale.com/cap/kubernetes': [{ impersonate: { groups: ['x'] } }] } }]);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 443).verdict).toBe('deny');
  });

  test('a catch-all opens every port of every protocol', () => {
    const doc = grantDoc([{ src: ['*'], dst: ['*'], ip: ['*'] }]);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'udp', 65535).allowed).toBe(true);
    expect(canConnect(doc, 'someone@example.com', 'tag:b', 'tcp', 1).allowed).toBe(true);
  });
});

describe('selectors', () => {
  test('a group covers its members; a group as source stands for each of its members', () => {
    const doc = grantDoc([
      { src: ['group:ops'], dst: ['tag:b'], ip: ['tcp:22'] },
      { src: ['a@example.com'], dst: ['tag:b'], ip: ['tcp:80'] },
    ], { groups: { 'group:ops': ['a@example.com', 'b@example.com'] } });
    expect(canConnect(doc, 'b@example.com', 'tag:b', 'tcp', 22).allowed).toBe(true);
    expect(canConnect(doc, 'c@example.com', 'tag:b', 'tcp', 22).verdict).toBe('deny');
    expect(canConnect(doc, 'group:ops', 'tag:b', 'tcp', 22).verdict).toBe('allow');
    // Only one member may reach port 80: neither allowed nor denied for the group as a whole.
    expect(canConnect(doc, 'group:ops', 'tag:b', 'tcp', 80).verdict).toBe('unproven');
  });

  test('autogroup:member covers users, autogroup:tagged covers tags, neither covers the other', () => {
    const doc = grantDoc([
      { src: ['autogroup:member'], dst: ['tag:b'], ip: ['tcp:1'] },
      { src: ['autogroup:tagged'], dst: ['tag:b'], ip: ['tcp:2'] },
    ]);
    expect(canConnect(doc, 'a@example.com', 'tag:b', 'tcp', 1).allowed).toBe(true);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 1).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 2).allowed).toBe(true);
    expect(canConnect(doc, 'a@example.com', 'tag:b', 'tcp', 2).verdict).toBe('deny');
  });

  test('a role autogroup (admin, owner) is unproven for a user, denied for a tag: the policy does not say who holds a role', () => {
    const doc = grantDoc([{ src: ['autogroup:admin', 'autogroup:owner'], dst: ['tag:b'], ip: ['tcp:8043'] }]);
    expect(canConnect(doc, 'a@example.com', 'tag:b', 'tcp', 8043)).toMatchObject({ verdict: 'unproven', rule: expect.stringMatching(/^grants\[0\]/), reason: expect.stringContaining('holds the role autogroup:admin') });
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 8043).verdict).toBe('deny');
  });

  test('autogroup:self reaches the source user\'s own devices only', () => {
    const doc = grantDoc([{ src: ['autogroup:member'], dst: ['autogroup:self'], ip: ['*'] }]);
    expect(canConnect(doc, 'a@example.com', 'a@example.com', 'tcp', 22).allowed).toBe(true);
    expect(canConnect(doc, 'a@example.com', 'b@example.com', 'tcp', 22).verdict).toBe('deny');
    expect(canConnect(doc, 'a@example.com', 'tag:b', 'tcp', 22).verdict).toBe('deny');
  });

  test('autogroup:internet is unproven for a public address (exit nodes), denied for private addresses and tags', () => {
    const doc = grantDoc([{ src: ['tag:a'], dst: ['autogroup:internet'], ip: ['*'] }]);
    expect(canConnect(doc, 'tag:a', '8.8.8.8', 'tcp', 443).verdict).toBe('unproven');
    expect(canConnect(doc, 'tag:a', '10.0.0.1', 'tcp', 443).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 443).verdict).toBe('deny');
  });

  test('CIDR, IP and hosts destinations: inside is allowed, outside denied, a partial overlap unproven', () => {
    const doc = grantDoc([
      { src: ['tag:a'], dst: ['10.128.0.0/12'], ip: ['tcp:4000'] },
      { src: ['tag:a'], dst: ['router'], ip: ['tcp:22'] },
    ], { hosts: { router: '10.10.0.101' } });
    expect(canConnect(doc, 'tag:a', '10.128.0.10', 'tcp', 4000).allowed).toBe(true);
    expect(canConnect(doc, 'tag:a', '10.144.0.1', 'tcp', 4000).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:a', '10.0.0.0/8', 'tcp', 4000).verdict).toBe('unproven');
    expect(canConnect(doc, 'tag:a', 'router', 'tcp', 22).allowed).toBe(true);
    expect(canConnect(doc, 'tag:a', '10.10.0.101', 'tcp', 22).allowed).toBe(true);
    // A tag's devices live in 100.64.0.0/10: a CIDR outside it never covers them.
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 4000).verdict).toBe('deny');
  });

  test('an address inside the tailnet range is unproven against a tag: which device holds it is not in the policy', () => {
    const doc = grantDoc([{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:22'] }]);
    expect(canConnect(doc, 'tag:a', '100.64.0.7', 'tcp', 22).verdict).toBe('unproven');
  });

  test('autogroup:shared is unproven for a user (who shares devices in is not in the policy), denied for a tag', () => {
    const doc = grantDoc([{ src: ['autogroup:shared'], dst: ['tag:b'], ip: ['tcp:1'] }]);
    expect(canConnect(doc, 'guest@elsewhere.org', 'tag:b', 'tcp', 1).verdict).toBe('unproven');
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 1).verdict).toBe('deny');
  });

  test('autogroup:danger-all covers everything, like "*"', () => {
    const doc = grantDoc([{ src: ['autogroup:danger-all'], dst: ['tag:b'], ip: ['tcp:1'] }]);
    expect(canConnect(doc, 'a@elsewhere.org', 'tag:b', 'tcp', 1).allowed).toBe(true);
    // Even addresses outside the tailnet, which "*" covers only where a route is approved.
    expect(canConnect(doc, '203.0.113.9', 'tag:b', 'tcp', 1).allowed).toBe(true);
    expect(canConnect(grantDoc([{ src: ['*'], dst: ['tag:b'], ip: ['tcp:1'] }]), '203.0.113.9', 'tag:b', 'tcp', 1).verdict).toBe('unproven');
  });
});

describe('conditions: postures and routes make access unproven, never denied', () => {
  test('srcPosture, defaultSrcPosture and via', () => {
    const posture = grantDoc([{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1'], srcPosture: ['posture:stable'] }]);
    expect(canConnect(posture, 'tag:a', 'tag:b', 'tcp', 1)).toMatchObject({ verdict: 'unproven', reason: expect.stringContaining('posture:stable') });
    const byDefault = grantDoc([{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1'] }], { defaultSrcPosture: ['posture:stable'] });
    expect(canConnect(byDefault, 'tag:a', 'tag:b', 'tcp', 1).verdict).toBe('unproven');
    const via = grantDoc([{ src: ['tag:a'], dst: ['10.0.0.0/8'], ip: ['tcp:1'], via: ['tag:router'] }]);
    expect(canConnect(via, 'tag:a', '10.0.0.1', 'tcp', 1).verdict).toBe('unproven');
  });

  test('a proven grant wins over an unproven one', () => {
    const doc = grantDoc([
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1'], srcPosture: ['posture:stable'] },
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1'] },
    ]);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 1)).toMatchObject({ verdict: 'allow', rule: expect.stringMatching(/^grants\[1\]/) });
  });
});

describe('legacy acls', () => {
  test('dst is host:ports; proto narrows; no proto means tcp and udp', () => {
    const doc = documentWith({
      acls: [
        { action: 'accept', src: ['tag:a'], dst: ['tag:b:22,80-81'] },
        { action: 'accept', src: ['tag:a'], dst: ['tag:c:*'], proto: 'udp' },
        { action: 'accept', src: ['tag:a'], dst: ['10.0.0.0/8:53'], proto: 17 },
      ],
    }, ['tag:a', 'tag:b', 'tag:c']);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 81)).toMatchObject({ verdict: 'allow', rule: 'acls[0] (accept tag:a → tag:b:22,80-81)' });
    expect(canConnect(doc, 'tag:a', 'tag:b', 'udp', 22).allowed).toBe(true);
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 82).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:a', 'tag:c', 'udp', 9).allowed).toBe(true);
    expect(canConnect(doc, 'tag:a', 'tag:c', 'tcp', 9).verdict).toBe('deny');
    expect(canConnect(doc, 'tag:a', '10.1.2.3', 'udp', 53).allowed).toBe(true);
  });
});

describe('reach', () => {
  test('merges proven ranges and keeps unproven ranges apart', () => {
    const doc = grantDoc([
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1-3', 'tcp:4'] },
      { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:3-10'], srcPosture: ['posture:x'] },
    ]);
    expect(reach(doc, 'tag:a', 'tag:b', 'tcp')).toEqual({ allow: [{ proto: 'tcp', from: 1, to: 4 }], unproven: [{ proto: 'tcp', from: 5, to: 10 }] });
  });
});

describe('Tailscale SSH', () => {
  const ssh = (rules: PolicyDocument['ssh'], extra: Partial<PolicyDocument> = {}): PolicyDocument => documentWith({ ssh: rules, ...extra });

  test('check rules are evaluated before accept rules, whatever their order in the file', () => {
    const doc = ssh([
      { action: 'accept', src: ['a@example.com'], dst: ['tag:b'], users: ['deploy'] },
      { action: 'check', src: ['autogroup:member'], dst: ['tag:b'], users: ['autogroup:nonroot'] },
    ]);
    expect(canSsh(doc, 'a@example.com', 'tag:b', 'deploy')).toMatchObject({ verdict: 'check', rule: expect.stringMatching(/^ssh\[1\] \(check/) });
  });

  test('among accept rules the first match decides; nothing matching denies', () => {
    const doc = ssh([{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['tuist-diagnostics'] }]);
    expect(canSsh(doc, 'tag:a', 'tag:b', 'tuist-diagnostics')).toMatchObject({ allowed: true, verdict: 'accept' });
    expect(canSsh(doc, 'tag:a', 'tag:b', 'root').verdict).toBe('deny');
  });

  test('autogroup:nonroot is every user but root; localpart:*@domain is the source user\'s own name', () => {
    const doc = ssh([
      { action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['autogroup:nonroot'] },
      { action: 'accept', src: ['autogroup:member'], dst: ['tag:b'], users: ['localpart:*@example.com'] },
    ]);
    expect(canSsh(doc, 'tag:a', 'tag:b', 'deploy').verdict).toBe('accept');
    expect(canSsh(doc, 'tag:a', 'tag:b', 'root').verdict).toBe('deny');
    expect(canSsh(doc, 'ann@example.com', 'tag:b', 'ann').verdict).toBe('accept');
    expect(canSsh(doc, 'ann@example.com', 'tag:b', 'bob').verdict).toBe('deny');
  });

  test('an unproven check rule ahead of a matching accept leaves the outcome unproven; the same action either way is proven', () => {
    const doc = ssh([
      { action: 'accept', src: ['a@example.com'], dst: ['tag:b'], users: ['deploy'] },
      { action: 'check', src: ['autogroup:admin'], dst: ['tag:b'], users: ['deploy'] },
    ]);
    expect(canSsh(doc, 'a@example.com', 'tag:b', 'deploy').verdict).toBe('unproven');
    const same = ssh([
      { action: 'check', src: ['autogroup:admin'], dst: ['tag:b'], users: ['deploy'] },
      { action: 'check', src: ['a@example.com'], dst: ['tag:b'], users: ['deploy'] },
    ]);
    expect(canSsh(same, 'a@example.com', 'tag:b', 'deploy').verdict).toBe('check');
  });

  test('a posture on an SSH rule makes its login unproven', () => {
    const doc = ssh([{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['deploy'], srcPosture: ['posture:x'] }]);
    expect(canSsh(doc, 'tag:a', 'tag:b', 'deploy').verdict).toBe('unproven');
  });
});

describe('tests and sshTests', () => {
  test('a group as test source stands for its members: each must satisfy the test', () => {
    const doc = documentWith({
      groups: { 'group:ops': ['a@example.com', 'b@example.com'] },
      grants: [{ src: ['a@example.com'], dst: ['tag:b'], ip: ['tcp:22'] }, { src: ['b@example.com'], dst: ['tag:b'], ip: ['tcp:22'] }, { src: ['a@example.com'], dst: ['tag:b'], ip: ['tcp:80'] }],
      tests: [{ src: 'group:ops', proto: 'tcp', accept: ['tag:b:22', 'tag:b:80'] }],
    });
    expect(runPolicyTests(doc)).toEqual([expect.objectContaining({ expectation: 'accept tag:b:80', outcome: 'fail' })]);
  });

  test('a test the control plane would reject is said so before it is sent: undeclared tag, autogroup source, empty or undeclared group', () => {
    const doc = documentWith({
      groups: { 'group:empty': [] },
      tests: [
        { src: 'tag:ghost', proto: 'tcp', deny: ['tag:b:1'] },
        { src: 'autogroup:member', proto: 'tcp', deny: ['tag:b:1'] },
        { src: 'group:empty', proto: 'tcp', deny: ['tag:b:1'] },
        { src: 'tag:a', proto: 'tcp', deny: ['tag:ghost:1'] },
      ],
      sshTests: [{ src: 'group:nobody', dst: ['tag:b'], deny: ['root'] }],
    });
    const found = runPolicyTests(doc);
    expect(found.map((f) => f.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(found.map((f) => f.message)).toEqual([
      expect.stringContaining('"tag:ghost" is not declared in tagOwners, so no device can carry it and the control plane rejects the test'),
      expect.stringContaining('does not resolve autogroups'),
      expect.stringContaining('"group:empty" has no members'),
      expect.stringContaining('"tag:ghost" is not declared in tagOwners'),
      expect.stringContaining('"group:nobody" is not declared in groups'),
    ]);
  });

  test('what cannot be decided offline is unproven, not failed, and does not stop a write', () => {
    const doc = documentWith({
      grants: [{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1'], srcPosture: ['posture:x'] }],
      tests: [{ src: 'tag:a', proto: 'tcp', deny: ['tag:b:1'] }],
    });
    expect(runPolicyTests(doc)).toEqual([]);
    expect(evaluatePolicyTests(doc)).toEqual([expect.objectContaining({ outcome: 'unproven', rule: expect.stringMatching(/^grants\[0\]/), message: expect.stringContaining('is unproven') })]);
  });

  test('a failing test names the test and the rule that breaks it', () => {
    const doc = documentWith({
      grants: [{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1-10'] }],
      tests: [{ src: 'tag:a', proto: 'tcp', deny: ['tag:b:5'] }],
      ssh: [{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['root'] }],
      sshTests: [{ src: 'tag:a', dst: ['tag:b'], deny: ['root'] }],
    });
    expect(runPolicyTests(doc)).toEqual([
      expect.objectContaining({ test: 'tests[0] (src tag:a, tcp)', expectation: 'deny tag:b:5', outcome: 'fail', rule: 'grants[0] (tag:a → tag:b on tcp:1-10)' }),
      expect.objectContaining({ test: 'sshTests[0] (src tag:a)', expectation: 'deny root@tag:b', outcome: 'fail', rule: 'ssh[0] (accept tag:a → tag:b as root)' }),
    ]);
  });
});

describe('a user whose groups are unknown', () => {
  test('a group synced from the identity provider (SCIM, group:x@domain) leaves its members\' access unproven, never denied', () => {
    const doc = documentWith({
      grants: [{ src: ['group:eng@example.com'], dst: ['tag:b'], ip: ['tcp:22'] }],
      tests: [{ src: 'group:eng@example.com', proto: 'tcp', accept: ['tag:b:22'] }],
    });
    expect(canConnect(doc, 'a@example.com', 'tag:b', 'tcp', 22)).toMatchObject({ verdict: 'unproven', reason: expect.stringContaining('synced from the identity provider') });
    expect(canConnect(doc, 'tag:a', 'tag:b', 'tcp', 22).verdict).toBe('deny');
    expect(runPolicyTests(doc)).toEqual([]);
    expect(evaluatePolicyTests(doc)).toEqual([expect.objectContaining({ outcome: 'unproven' })]);
  });
});

describe('what the evaluator reads once per document (src/tailnet/evaluate.ts readDocument)', () => {
  const open = (doc: PolicyDocument): boolean => canConnect(doc, 'tag:a', 'tag:b', 'tcp', 5432).allowed;

  test('answers for the document as it is now: a grant appended, replaced or removed after a question counts', () => {
    const doc = grantDoc([]);
    expect(open(doc)).toBe(false);
    doc.grants.push({ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432'] });
    expect(open(doc)).toBe(true);
    doc.grants[0] = { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:22'] };
    expect(open(doc)).toBe(false);
    doc.grants = [{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432'] }];
    expect(open(doc)).toBe(true);
    doc.grants.pop();
    expect(open(doc)).toBe(false);
  });

  test('a document derived with a spread shares the rules but answers with its own groups and hosts', () => {
    const doc = grantDoc([{ src: ['group:dba'], dst: ['db'], ip: ['tcp:5432'] }], { groups: { 'group:dba': ['alice@example.com'] }, hosts: { db: '100.64.0.10' } });
    expect(canConnect(doc, 'alice@example.com', 'db', 'tcp', 5432).allowed).toBe(true);
    const regrouped = { ...doc, groups: { 'group:dba': ['bob@example.com'] } };
    expect(canConnect(regrouped, 'alice@example.com', 'db', 'tcp', 5432).allowed).toBe(false);
    expect(canConnect(regrouped, 'bob@example.com', 'db', 'tcp', 5432).allowed).toBe(true);
    const moved = { ...doc, hosts: { db: '100.64.0.11' } };
    expect(canConnect(moved, 'alice@example.com', '100.64.0.10', 'tcp', 5432).allowed).toBe(false);
    expect(canConnect(doc, 'alice@example.com', '100.64.0.10', 'tcp', 5432).allowed).toBe(true);
  });

  test('an edit inside a rule, or of a group\'s members, after a question counts (the tables live only within one bulk evaluation)', () => {
    const doc = grantDoc([{ src: ['group:ops'], dst: ['tag:b'], ip: ['tcp:22'] }], { groups: { 'group:ops': ['bob@example.com'] } });
    const ask = (): boolean => canConnect(doc, 'alice@example.com', 'tag:b', 'tcp', 5432).allowed;
    expect(ask()).toBe(false);
    doc.grants[0]!.ip!.push('tcp:5432');
    expect(ask()).toBe(false);
    doc.groups['group:ops'] = ['alice@example.com'];
    expect(ask()).toBe(true);
    // A document's own tests (one bulk evaluation) see the edited document too.
    doc.tests = [{ src: 'alice@example.com', accept: ['tag:b:5432'] }];
    expect(evaluatePolicyTests(doc)).toEqual([]);
    doc.grants[0]!.ip = ['tcp:22'];
    expect(evaluatePolicyTests(doc)).toEqual([expect.objectContaining({ outcome: 'fail', expectation: 'accept tag:b:5432' })]);
  });

  test('an SSH rule added after a question counts, in evaluation order (check before accept)', () => {
    const doc = grantDoc([], { ssh: [{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['ops'] }] });
    expect(canSsh(doc, 'tag:a', 'tag:b', 'ops').verdict).toBe('accept');
    doc.ssh.push({ action: 'check', src: ['tag:a'], dst: ['tag:b'], users: ['ops'] });
    expect(canSsh(doc, 'tag:a', 'tag:b', 'ops')).toMatchObject({ verdict: 'check', rule: expect.stringMatching(/^ssh\[1\] \(check/) });
  });
});
