import { describe as describeRule, diffPolicy } from '../../src/diff/policy-diff';

const grant = (src: string[], dst: string[], ip: string[]) => ({ src, dst, ip });

describe('diffPolicy', () => {
  test('matches rules by content: reordered rules are no change', () => {
    const a = grant(['tag:a'], ['tag:b'], ['tcp:5432']);
    const b = grant(['tag:c'], ['tag:d'], ['tcp:22']);
    expect(diffPolicy({ grants: [a, b] }, { grants: [b, { ...a, ip: ['tcp:5432'] }] })).toEqual([]);
    expect(diffPolicy({ grants: [grant(['tag:a', 'tag:x'], ['tag:b'], ['tcp:1'])] }, { grants: [grant(['tag:x', 'tag:a'], ['tag:b'], ['tcp:1'])] })).toEqual([]);
  });

  test('an added grant widens access, a removed one does not', () => {
    const kept = grant(['tag:a'], ['tag:b'], ['tcp:5432']);
    const [section] = diffPolicy({ grants: [kept, grant(['tag:old'], ['tag:b'], ['tcp:1'])] }, { grants: [grant(['tag:new'], ['tag:z'], ['tcp:2']), kept] });
    expect(section!.added).toEqual([{ summary: 'tag:new → tag:z on tcp:2', value: grant(['tag:new'], ['tag:z'], ['tcp:2']), widens: true }]);
    expect(section!.removed).toEqual([{ summary: 'tag:old → tag:b on tcp:1', value: grant(['tag:old'], ['tag:b'], ['tcp:1']), widens: false }]);
  });

  test('a grant losing a port narrows access: changed, not widened', () => {
    const [section] = diffPolicy({ grants: [grant(['tag:a'], ['tag:b'], ['tcp:22', 'tcp:9091'])] }, { grants: [grant(['tag:a'], ['tag:b'], ['tcp:22'])] });
    expect(section!.changed).toEqual([expect.objectContaining({ fields: { ip: { gained: [], lost: ['tcp:9091'] } }, widens: false })]);
  });

  test('an SSH rule gaining a user, or going from check to accept, widens access', () => {
    const rule = { action: 'check', src: ['group:ops'], dst: ['tag:vm'], users: ['admin'] };
    const [users] = diffPolicy({ ssh: [rule] }, { ssh: [{ ...rule, users: ['admin', 'root'] }] });
    expect(users!.changed).toEqual([expect.objectContaining({ before: 'check group:ops → tag:vm as admin', after: 'check group:ops → tag:vm as admin, root', widens: true })]);
    const [action] = diffPolicy({ ssh: [rule] }, { ssh: [{ ...rule, action: 'accept' }] });
    expect(action!.changed).toEqual([expect.objectContaining({ widens: true })]);
  });

  test('rules differing in two fields are one removal and one addition', () => {
    const [section] = diffPolicy({ grants: [grant(['tag:a'], ['tag:b'], ['tcp:1'])] }, { grants: [grant(['tag:c'], ['tag:d'], ['tcp:1'])] });
    expect([section!.added.length, section!.removed.length, section!.changed.length]).toEqual([1, 1, 0]);
  });

  test('maps list entries added, removed and members gained or lost', () => {
    const [groups] = diffPolicy({ groups: { 'group:a': ['x@y'], 'group:b': ['z@y'] } }, { groups: { 'group:a': ['x@y', 'w@y'], 'group:c': [] } });
    expect(groups).toEqual({
      section: 'groups',
      added: [expect.objectContaining({ summary: 'group:c: []' })],
      removed: [expect.objectContaining({ summary: 'group:b: ["z@y"]' })],
      changed: [expect.objectContaining({ fields: { 'group:a': { gained: ['w@y'], lost: [] } }, widens: false })],
    });
  });

  test('tests and sshTests are listed by content', () => {
    const test1 = { src: 'tag:vm', proto: 'tcp', accept: ['tag:k8s:5432'], deny: ['tag:other:5432'] };
    const [tests] = diffPolicy({ tests: [] }, { tests: [test1] });
    expect(tests!.added).toEqual([expect.objectContaining({ summary: 'from tag:vm: accept tag:k8s:5432; deny tag:other:5432 (proto: "tcp")', widens: false })]);
  });

  test('redacts secret-looking values in every section', () => {
    const report = JSON.stringify(diffPolicy({ groups: { 'group:a': ['x'] } }, { groups: { 'group:a': ['x', 'tskey-auth-k1'] }, hosts: { db: 'tskey-auth-k2' }, derpKey: 'tskey-auth-k3' }));
    expect(report).not.toMatch(/tskey-auth-k\d/);
    expect(report).toContain('[REDACTED]');
  });

  test('sections come in policy-file order', () => {
    const sections = diffPolicy({}, { tests: [{ src: 'a' }], grants: [grant(['a'], ['b'], ['*'])], groups: { 'group:g': [] } }).map((s) => s.section);
    expect(sections).toEqual(['groups', 'grants', 'tests']);
  });
});

describe('describe', () => {
  test('puts rules in words', () => {
    expect(describeRule('ssh', { action: 'accept', src: ['tag:k8s'], dst: ['tag:vm'], users: ['admin'] })).toBe('accept tag:k8s → tag:vm as admin');
    expect(describeRule('sshTests', { src: 'tag:k8s', dst: ['tag:vm'], accept: ['admin'], deny: ['root'] })).toBe('from tag:k8s to tag:vm: accept admin; deny root');
    expect(describeRule('grants', { src: ['a'], dst: ['b'], ip: ['*'], via: ['tag:exit'] })).toBe('a → b on * (via: ["tag:exit"])');
    expect(describeRule('nodeAttrs', { target: ['*'], attr: ['funnel'] })).toBe('{"target":["*"],"attr":["funnel"]}');
  });
});
