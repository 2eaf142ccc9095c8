import { basePolicyFragment, environmentPolicyFragment } from '../../src/tailnet/fragments';
import type { PolicyDocument } from '../../src/tailnet/policy';
import {
  SYSTEM_ACCOUNTS, formatPolicyProblem, reviewPolicyDocument, validateFragmentSet, validatePolicyDocument, validatePolicyFragment,
} from '../../src/tailnet/validate';
import { WIDE_PORT_THRESHOLD } from '../../src/tailnet/syntax';
import { canary, production } from '../fixtures';
import { contextOf, documentWith, fragmentsOnly, mutated } from './fixtures';

const policy = fragmentsOnly();
const context = contextOf(policy);
const tuist = policy.tailnet;

/** The formatted problems of the shared tailnet's document changed by `mutate`. */
function problemsOf(mutate: (draft: PolicyDocument) => void): string[] {
  return validatePolicyDocument(mutated(policy.document, mutate), context).map(formatPolicyProblem);
}

describe('validatePolicyDocument', () => {
  test('accepts the generated documents', () => {
    expect(validatePolicyDocument(policy.document, context)).toEqual([]);
  });

  test('fails when a rule names an undeclared tag', () => {
    expect(problemsOf((d) => { d.grants[0]!.dst.push('tag:tuist-k8s-ghost'); })).toEqual([
      'tailnet "tuist", grants[0].dst[1]: "tag:tuist-k8s-ghost" is not declared in tagOwners; the control plane rejects rules and tests naming undeclared tags. Fix: declare it in its environment\'s fragment, or use a declared tag.',
    ]);
  });

  test('fails when a test names an undeclared tag or group', () => {
    expect(problemsOf((d) => { d.tests.push({ src: 'group:nobody', proto: 'tcp', deny: ['tag:nope:22'] }); })).toEqual([
      expect.stringContaining(`tests[${policy.document.tests.length}].src: "group:nobody" is not declared in groups`),
      expect.stringContaining(`tests[${policy.document.tests.length}].deny[0]: "tag:nope" is not declared in tagOwners`),
    ]);
  });

  test('fails when a grant crosses environments', () => {
    expect(problemsOf((d) => { d.grants.push({ src: ['tag:tuist-macmini-canary'], dst: ['tag:tuist-k8s-production'], ip: ['tcp:5432'] }); })).toEqual([
      `tailnet "tuist", grants[${policy.document.grants.length}]: names tags of several environments (canary, production); a rule never crosses environments. Fix: remove it, or split it into one rule per environment.`,
    ]);
  });

  test('fails when one environment\'s tag owns another\'s (canary\'s operator minting production proxies)', () => {
    expect(problemsOf((d) => { d.tagOwners['tag:tuist-pg-pooler-production'] = [canary.tailnet.operatorTag]; })).toEqual([
      expect.stringMatching(new RegExp(`^tailnet "tuist", tagOwners\\["tag:tuist-pg-pooler-production"\\]\\[0\\]: "${canary.tailnet.operatorTag}" belongs to environment "canary" but owns "tag:tuist-pg-pooler-production" of environment "production"`)),
    ]);
  });

  test.each([
    ['a wildcard source', (d: PolicyDocument) => { d.grants[0]!.src = ['*']; }, /grants\[0\]\.src\[0\]: "\*" is a wildcard/],
    ['an autogroup destination', (d: PolicyDocument) => { d.grants[0]!.dst = ['autogroup:tagged']; }, /grants\[0\]\.dst\[0\]: "autogroup:tagged" is a wildcard/],
    ['every port of a protocol', (d: PolicyDocument) => { d.grants[0]!.ip = ['tcp:*']; }, /grants\[0\]\.ip\[0\]: "tcp:\*" opens every port/],
    ['every port', (d: PolicyDocument) => { d.grants[0]!.ip = ['*']; }, /grants\[0\]\.ip\[0\]: "\*" opens every port/],
    ['a range of every port', (d: PolicyDocument) => { d.grants[0]!.ip = ['udp:1-65535']; }, /grants\[0\]\.ip\[0\]: "udp:1-65535" opens every port/],
    ['a wildcard SSH user', (d: PolicyDocument) => { d.ssh[0]!.users = ['autogroup:nonroot']; }, /ssh\[0\]\.users\[0\]: "autogroup:nonroot" is a wildcard user/],
    ['a wildcard test source', (d: PolicyDocument) => { d.tests[0]!.src = '*'; }, /tests\[0\]\.src: "\*" is a wildcard/],
  ])('fails when a rule uses %s', (_what, mutate, message) => {
    expect(problemsOf(mutate)).toEqual([expect.stringMatching(message)]);
  });

  test('fails when an SSH rule uses check from a tag source', () => {
    expect(problemsOf((d) => { d.ssh[0]!.action = 'check'; })).toEqual([
      `tailnet "tuist", ssh[0].src[0]: "${policy.document.ssh[0]!.src[0]}" is a tag, and tag sources cannot use "check" (nobody is there to re-authenticate). Fix: use "accept" for tag sources.`,
    ]);
  });

  test('fails when an SSH rule lets anyone in as root', () => {
    expect(problemsOf((d) => { d.ssh[1]!.users.push('root'); })).toEqual([
      'tailnet "tuist", ssh[1].users[1]: "root" may not be an SSH user: nothing logs in as root. Fix: name a non-root account (the VMs\' diagnostics account has no sudo).',
    ]);
  });

  test('fails when a port spec is malformed or a fragment rule has fields our fragments never write (a capability)', () => {
    expect(problemsOf((d) => {
      d.grants[0]!.ip = ['tcp:70000'];
      (d.grants[1] as unknown as Record<string, unknown>).app = { 'tailscale.com/cap/kubernetes': [] };
    })).toEqual([
      expect.stringMatching(/^tailnet "tuist", grants\[0\]\.ip\[0\]: "tcp:70000" is not "\*", "tcp:\*", "tcp:N"/),
      expect.stringMatching(/^tailnet "tuist", grants\[1\]\.app: is not a field we write or evaluate \(allowed: src, dst, ip\)/),
    ]);
  });

  test('fails when a host or address stands where a tag belongs in our fragments', () => {
    expect(problemsOf((d) => { d.grants[0]!.dst = ['100.64.0.1']; })).toEqual([
      expect.stringMatching(/grants\[0\]\.dst\[0\]: "100\.64\.0\.1" is not a tag, group or user; hosts and addresses are not used/),
    ]);
  });

  test('reports every problem at once', () => {
    expect(problemsOf((d) => { d.grants[0]!.src = ['*']; d.ssh[0]!.users = ['root']; d.ssh[1]!.action = 'check'; })).toEqual([
      expect.stringContaining('grants[0].src[0]: "*" is a wildcard'),
      expect.stringContaining('ssh[0].users[0]: "root" may not be an SSH user'),
      expect.stringMatching(/ssh\[1\]\.src\[0\]: "tag:[^"]+" is a tag, and tag sources cannot use "check"/),
    ]);
  });
});

describe('validatePolicyFragment', () => {
  test('accepts the generated fragments', () => {
    for (const fragment of [policy.base, ...policy.fragments]) expect(validatePolicyFragment(fragment, context)).toEqual([]);
  });

  test('fails when an environment\'s fragment names another environment\'s tag', () => {
    const fragment = environmentPolicyFragment(canary, tuist);
    fragment.grants[0]!.dst = ['tag:tuist-k8s-production'];
    expect(validatePolicyFragment(fragment, context).map(formatPolicyProblem)).toEqual([
      `tailnet "tuist", fragment "canary" grants[0].dst[0]: "tag:tuist-k8s-production" belongs to environment "production"; fragment "canary" may name only its own tags (${fragment.tags.join(', ')}) and the base's. Fix: move the rule to "production", or use this environment's tag.`,
    ]);
  });

  test('fails when a fragment declares or claims a tag it does not own', () => {
    const fragment = environmentPolicyFragment(canary, tuist);
    fragment.tags.push('tag:tuist-k8s-production');
    fragment.tagOwners['tag:tuist-k8s-production'] = [canary.tailnet.operatorTag];
    const messages = validatePolicyFragment(fragment, context).map(formatPolicyProblem);
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringContaining('fragment "canary" tags: claims "tag:tuist-k8s-production", which belongs to environment "production".'),
    ]));
  });
});

describe('validateFragmentSet', () => {
  test('fails when two fragments own the same tag or declare the same name', () => {
    const canaryFragment = environmentPolicyFragment(canary, tuist);
    const impostor = { ...environmentPolicyFragment(production, tuist), tags: [...canaryFragment.tags], tagOwners: { ...canaryFragment.tagOwners } };
    const messages = validateFragmentSet([basePolicyFragment(tuist, [canary, production]), canaryFragment, impostor], 'tuist').map(formatPolicyProblem);
    expect(messages).toEqual(expect.arrayContaining([
      'tailnet "tuist", fragment "production" tags: claims "tag:tuist-k8s-canary", which fragment "canary" already owns; a tag has one owner.',
      'tailnet "tuist", fragment "production" tagOwners["tag:tuist-k8s-canary"]: is already declared by fragment "canary"; a name is declared once, by its owner.',
    ]));
  });

  test('fails when an environment contributes two fragments', () => {
    const fragment = environmentPolicyFragment(canary, tuist);
    expect(validateFragmentSet([fragment, { ...fragment, tags: [], tagOwners: {} }], 'tuist').map((p) => p.message)).toEqual(['appears twice; each environment contributes one fragment.']);
  });
});

describe('reviewPolicyDocument: what a reviewer would refuse', () => {
  const review = (parts: Parameters<typeof documentWith>[0]): string[] =>
    reviewPolicyDocument(documentWith(parts), { tailnet: 'tuist', userDomains: ['tuist.dev', 'example.com'] }).map(formatPolicyProblem);

  test.each([
    ['tcp:2-65535', ['tcp:2-65535']],
    ['tcp:1-65534 plus tcp:65535 (a wildcard split to hide it)', ['tcp:1-65534', 'tcp:65535']],
    ['every port above the well-known ones', ['tcp:1024-40000', 'tcp:40001-65535']],
  ])('refuses ports that are a wildcard in all but name: %s', (_what, ip) => {
    expect(review({ grants: [{ src: ['tag:a'], dst: ['tag:b'], ip }] })).toEqual([expect.stringMatching(/grants\[0\]\.ip: .*(a wildcard in all but name|outside the well-known ports)/)]);
  });

  test('accepts narrow ranges just below the threshold', () => {
    expect(WIDE_PORT_THRESHOLD).toBe(65534);
    expect(review({ grants: [{ src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:3-65534', 'udp:53'] }] })).toEqual([]);
  });

  test('refuses users outside the tailnet\'s domains in groups, grants, SSH rules and tag owners', () => {
    expect(review({
      groups: { 'group:ops': ['oncall@tuist.dev', 'friend@gmail.com'] },
      tagOwners: { 'tag:a': ['contractor@acme.io'], 'tag:b': ['autogroup:admin'] },
      grants: [{ src: ['intern@example.org'], dst: ['tag:b'], ip: ['tcp:22'] }],
      ssh: [{ action: 'check', src: ['guest@example.net'], dst: ['tag:b'], users: ['deploy'] }],
    })).toEqual([
      expect.stringMatching(/groups\["group:ops"\]\[1\]: "friend@gmail.com" is a user of "gmail.com", outside the tailnet's domains \(tuist.dev, example.com\)/),
      expect.stringContaining('tagOwners["tag:a"][0]: "contractor@acme.io"'),
      expect.stringContaining('grants[0].src[0]: "intern@example.org"'),
      expect.stringContaining('ssh[0].src[0]: "guest@example.net"'),
    ]);
  });

  test.each([
    ['Root', /root in another case: macOS resolves account names case-insensitively/],
    ['root ', /has whitespace in it/],
    ['daemon', /is a system account/],
    ['_www', /is a system account/],
    ['root', /"root" may not be an SSH user/],
  ])('refuses the SSH user %j', (user, message) => {
    expect(review({ ssh: [{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: [user] }] })).toEqual([expect.stringMatching(message)]);
  });

  test('lists the system accounts it knows', () => {
    expect(SYSTEM_ACCOUNTS).toEqual(expect.arrayContaining(['root', 'daemon', 'bin', 'nobody', 'www-data']));
  });
});
