import {
  attributeRule, canonicalJson, fragmentOwnerOf, tagOwnershipOf, unattributedEntries,
} from '../../src/tailnet/attribution';
import { ENVIRONMENTS } from '../fixtures';
import { fragmentsOnly, mutated } from './fixtures';

const policy = fragmentsOnly();
const fragments = [policy.base, ...policy.fragments];
const ownership = tagOwnershipOf(policy.tailnet, ENVIRONMENTS);

describe('attributeRule', () => {
  test('a grant between one environment\'s tags belongs to it', () => {
    const production = policy.fragments.find((f) => f.owner === 'production')!;
    expect(attributeRule({ section: 'grants', rule: production.grants[0]! }, ownership)).toEqual({ owner: 'production' });
  });

  test('a rule naming only groups belongs to the base', () => {
    expect(attributeRule({ section: 'grants', rule: { src: ['group:tuist-ops'], dst: ['group:tuist-admins'], ip: ['tcp:1'] } }, ownership)).toEqual({ owner: 'base' });
  });

  test('a deny test belongs to the environment whose destinations it probes, whatever its source', () => {
    expect(attributeRule({ section: 'tests', rule: { src: 'tag:tuist-macmini-canary', proto: 'tcp', deny: ['tag:tuist-k8s-production:5432'] } }, ownership)).toEqual({ owner: 'production' });
    expect(attributeRule({ section: 'sshTests', rule: { src: 'tag:tuist-k8s-canary', dst: ['tag:tuist-macmini-production'], deny: ['root'] } }, ownership)).toEqual({ owner: 'production' });
  });

  test('a rule across environments, or naming an unknown tag, belongs to nobody', () => {
    expect(attributeRule({ section: 'grants', rule: { src: ['tag:tuist-macmini-canary'], dst: ['tag:tuist-k8s-production'], ip: ['tcp:5432'] } }, ownership))
      .toMatchObject({ owner: undefined, why: 'cross-environment' });
    expect(attributeRule({ section: 'tests', rule: { src: 'tag:tuist-macmini-canary', proto: 'tcp', accept: ['tag:tuist-k8s-production:5432'] } }, ownership))
      .toMatchObject({ owner: undefined, why: 'cross-environment' });
    expect(attributeRule({ section: 'ssh', rule: { action: 'accept', src: ['tag:console'], dst: ['tag:tuist-macmini-canary'], users: ['admin'] } }, ownership))
      .toEqual({ owner: undefined, why: 'unowned-tag', reason: 'names "tag:console", which no environment or the base owns' });
  });
});

describe('fragmentOwnerOf', () => {
  test('finds the fragment holding exactly the rule, whatever its key order', () => {
    const { ip, dst, src } = policy.document.grants[0]!;
    expect(fragmentOwnerOf({ section: 'grants', rule: { ip, dst, src } }, fragments)).toBe(policy.fragments[0]!.owner);
  });

  test('attributes generated isolation tests to the environment they protect', () => {
    const isolation = policy.document.tests[policy.document.tests.length - 1]!;
    expect(fragmentOwnerOf({ section: 'tests', rule: isolation }, fragments)).toBe(policy.fragments.at(-1)!.owner);
  });

  test('finds nobody for a rule no fragment holds', () => {
    expect(fragmentOwnerOf({ section: 'grants', rule: { src: ['tag:tuist-macmini-canary'], dst: ['tag:tuist-k8s-canary'], ip: ['tcp:6432'] } }, fragments)).toBeUndefined();
  });
});

describe('unattributedEntries', () => {
  test('finds nothing in the composed document', () => {
    expect(unattributedEntries(policy.document, fragments)).toEqual([]);
  });

  test('finds console edits: an added rule, a changed tag owner, an added group', () => {
    const live = mutated(policy.document, (d) => {
      d.grants.push({ src: ['group:tuist-ops'], dst: ['tag:tuist-k8s-production'], ip: ['tcp:5432'] });
      d.tagOwners['tag:tuist-k8s-canary'] = ['group:tuist-admins'];
      d.grants.splice(0, 0);
      d.groups['group:contractors'] = ['someone@example.com'];
    });
    expect(unattributedEntries(live, fragments)).toEqual([
      { path: 'groups["group:contractors"]', reason: 'no fragment declares it' },
      { path: 'tagOwners["tag:tuist-k8s-canary"]', reason: `differs from fragment "canary" (${JSON.stringify(policy.fragments.find((f) => f.owner === 'canary')!.tagOwners['tag:tuist-k8s-canary'])})` },
      { path: `grants[${policy.document.grants.length}]`, reason: `no fragment holds ${canonicalJson({ src: ['group:tuist-ops'], dst: ['tag:tuist-k8s-production'], ip: ['tcp:5432'] })}` },
    ]);
  });
});
