import { loadModel } from '../../src/config/load';
import { RESOURCE_TYPES, type ResourceRecord, checkGuardRails, formatViolation } from '../../src/pulumi/guard-rails';
import { canary, production, staging } from '../fixtures';

const model = loadModel();

/** A clean set of what canary's stack registers, to break one thing at a time. */
function canaryResources(): ResourceRecord[] {
  return [
    { type: RESOURCE_TYPES.acl, name: 'tailnet-policy', inputs: { acl: '{"tagOwners": {"tag:tuist-k8s-production": []}}', overwriteExistingContent: true } },
    { type: RESOURCE_TYPES.tailnetKey, name: 'key', inputs: { tags: ['tag:tuist-macmini-canary'], reusable: true, preauthorized: true, ephemeral: true, expiry: 2592000 } },
    { type: 'kubernetes:core/v1:Secret', name: 's', inputs: { metadata: { name: 'tuist-tuist-capi-scaleway-applesilicon-tailscale', namespace: 'tuist-canary' }, stringData: { 'auth-key': 'x' } } },
    { type: 'kubernetes:apps/v1:Deployment', name: 'd', inputs: { metadata: { name: 'tuist-tuist-xcresult-processor', namespace: 'tuist-canary' }, spec: { template: { spec: { containers: [{ env: [{ name: 'TAILSCALE_PEER_TAGS', value: 'tag:tuist-k8s-canary' }] }] } } } } },
  ];
}

function violationsWith(change: (resources: ResourceRecord[]) => ResourceRecord[], env = canary): string[] {
  return checkGuardRails(env, model, change(canaryResources())).map(formatViolation);
}

describe('guard rails', () => {
  test('a clean stack passes, although its policy document names the other environment of its tailnet', () => {
    expect(checkGuardRails(canary, model, canaryResources())).toEqual([]);
  });

  test('fails when a policy resource resets the tailnet on destroy', () => {
    const violations = violationsWith((rs) => rs.map((r) => (r.type === RESOURCE_TYPES.acl ? { ...r, inputs: { ...r.inputs, resetAclOnDestroy: true } } : r)));
    expect(violations).toEqual([expect.stringMatching(/^\[policy-never-resets\] tailscale:index\/acl:Acl::tailnet-policy: resetAclOnDestroy is true; .*allow-all\. Fix: never set it\.$/)]);
  });

  test('fails when a key carries another environment\'s VM tag', () => {
    const violations = violationsWith((rs) => rs.map((r) => (r.type === RESOURCE_TYPES.tailnetKey ? { ...r, inputs: { ...r.inputs, tags: ['tag:tuist-macmini-production'] } } : r)));
    expect(violations).toContainEqual(expect.stringMatching(/^\[credential-own-vm-tag-only\] .*tags are \["tag:tuist-macmini-production"\]; environment "canary" mints VM credentials with exactly \["tag:tuist-macmini-canary"\]/));
    expect(violations).toContainEqual(expect.stringMatching(/^\[no-foreign-identity\] .*tags\[0\] carries "tag:tuist-macmini-production", which belongs to environment "production"/));
  });

  test('fails when a stack registers no VM credential, or two', () => {
    expect(violationsWith((rs) => rs.filter((r) => r.type !== RESOURCE_TYPES.tailnetKey))).toEqual([
      expect.stringMatching(/^\[one-vm-credential\] \(none\): environment "canary" registers 0 VM credentials; its stack owns exactly one/),
    ]);
    const client = { type: RESOURCE_TYPES.oauthClient, name: 'client', inputs: { tags: ['tag:tuist-macmini-canary'], scopes: ['auth_keys'] } };
    expect(violationsWith((rs) => [...rs, client])).toEqual([expect.stringMatching(/^\[one-vm-credential\] tailscale:index\/tailnetKey:TailnetKey::key, tailscale:index\/oauthClient:OauthClient::client: .* registers 2 VM credentials/)]);
  });

  test('fails when the VMs\' OAuth client may do more than mint keys', () => {
    const client = { type: RESOURCE_TYPES.oauthClient, name: 'client', inputs: { tags: ['tag:tuist-macmini-canary'], scopes: ['auth_keys', 'policy_file'] } };
    expect(violationsWith((rs) => [...rs.filter((r) => r.type !== RESOURCE_TYPES.tailnetKey), client])).toEqual([
      expect.stringMatching(/^\[oauth-client-scopes\] tailscale:index\/oauthClient:OauthClient::client: scopes are \["auth_keys","policy_file"\]; .* exactly \["auth_keys"\]/),
    ]);
  });

  test('fails when a key carries a second tag besides its own VM tag', () => {
    const violations = violationsWith((rs) => rs.map((r) => (r.type === RESOURCE_TYPES.tailnetKey ? { ...r, inputs: { ...r.inputs, tags: ['tag:tuist-macmini-canary', 'tag:tuist-k8s-canary'] } } : r)));
    expect(violations).toEqual([expect.stringMatching(/^\[credential-own-vm-tag-only\]/)]);
  });

  test('fails when an OAuth client is scoped to another tag', () => {
    const client: ResourceRecord = { type: RESOURCE_TYPES.oauthClient, name: 'client', inputs: { scopes: ['auth_keys'], tags: ['tag:tuist-macmini-staging'] } };
    expect(violationsWith((rs) => [...rs, client])).toContainEqual(expect.stringMatching(/^\[credential-own-vm-tag-only\] tailscale:index\/oauthClient:OauthClient::client/));
  });

  test('fails when a key is single-use, needs approval or has no explicit expiry', () => {
    const violations = violationsWith((rs) => rs.map((r) => (r.type === RESOURCE_TYPES.tailnetKey ? { ...r, inputs: { tags: ['tag:tuist-macmini-canary'], reusable: false } } : r)));
    expect(violations).toEqual([
      expect.stringMatching(/^\[auth-key-flags\] .*reusable is false/),
      expect.stringMatching(/^\[auth-key-flags\] .*preauthorized is undefined/),
      expect.stringMatching(/^\[auth-key-flags\] .*expiry is undefined; an explicit lifetime/),
    ]);
  });

  test('fails when a manifest carries another environment\'s hostname, even inside a URL', () => {
    const violations = violationsWith((rs) => [...rs, {
      type: 'kubernetes:core/v1:ConfigMap', name: 'c',
      inputs: { metadata: { namespace: 'tuist-canary' }, data: { url: 'postgres://u@tuist-pg-pooler-production:5432/tuist' } },
    }]);
    expect(violations).toEqual([expect.stringMatching(/^\[no-foreign-identity\] kubernetes:core\/v1:ConfigMap::c: data\.url carries "tuist-pg-pooler-production", which belongs to environment "production"/)]);
  });

  test('fails when another environment\'s tag hides in a map key', () => {
    const violations = violationsWith((rs) => [...rs, { type: 'kubernetes:core/v1:ConfigMap', name: 'c', inputs: { metadata: { namespace: 'tuist-canary' }, data: { 'tag:tuist-k8s-staging': 'x' } } }]);
    expect(violations).toEqual([expect.stringMatching(/^\[no-foreign-identity\] .*data \(key "tag:tuist-k8s-staging"\) carries "tag:tuist-k8s-staging", which belongs to environment "staging"/)]);
  });

  test('a name that merely starts like another environment\'s tag is not that tag', () => {
    const violations = violationsWith((rs) => [...rs, { type: 'kubernetes:core/v1:ConfigMap', name: 'c', inputs: { metadata: { namespace: 'tuist-canary' }, data: { note: 'tag:tuist-k8s-production2' } } }]);
    expect(violations).toEqual([]);
  });

  test('fails when a Kubernetes resource lands in another environment\'s namespace', () => {
    const violations = violationsWith((rs) => rs.map((r) => (r.type === 'kubernetes:core/v1:Secret' ? { ...r, inputs: { ...r.inputs, metadata: { name: 'tuist-tuist-capi-scaleway-applesilicon-tailscale', namespace: production.namespace } } } : r)));
    expect(violations).toEqual([expect.stringMatching(/^\[own-namespace-only\] kubernetes:core\/v1:Secret::s: metadata\.namespace is "tuist"; environment "canary" only touches namespace "tuist-canary"/)]);
  });

  test('each environment is checked against the others, not against itself', () => {
    const stagingKey: ResourceRecord = { type: RESOURCE_TYPES.tailnetKey, name: 'key', inputs: { tags: ['tag:tuist-macmini-staging'], reusable: true, preauthorized: true, expiry: 60 } };
    expect(checkGuardRails(staging, model, [stagingKey])).toEqual([]);
    expect(checkGuardRails(canary, model, [stagingKey]).map((v) => v.rule)).toEqual(['credential-own-vm-tag-only', 'no-foreign-identity']);
  });
});
