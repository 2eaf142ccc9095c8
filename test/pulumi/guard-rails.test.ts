import { loadModel } from '../../src/config/load';
import { RESOURCE_TYPES, type ResourceRecord, checkGuardRails, checkPolicyGuard, formatViolation } from '../../src/pulumi/guard-rails';
import { OWNERSHIP_SCHEMA, findMarkers, markedEntry, renderMarker, signMarker } from '../../src/pulumi/policy-marker';
import { type WriteIntent, parseLivePolicy, planPolicyWrite, writeIntent } from '../../src/pulumi/policy-writer';
import { policyEntries } from '../../src/tailnet';
import { canary, production, staging } from '../fixtures';
import { LIVE_FIXTURE } from './adoption-contract';
import { steadyState, testKey } from './run-stack';
import { poolerProxyTags } from '../../src/tailnet/paths';

const model = loadModel();

/** A clean set of what canary's stack registers, to break one thing at a time. */
function canaryResources(): ResourceRecord[] {
  return [
    { type: RESOURCE_TYPES.policyDocument, name: 'tailnet-policy', inputs: { intent: { environments: { production: ['tag:tuist-k8s-production'] } }, planned: '{"tagOwners": {"tag:tuist-k8s-production": []}}' } },
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

  test('fails when the policy is written through the provider\'s Acl (no If-Match), and when it resets the tailnet on destroy', () => {
    const acl: ResourceRecord = { type: RESOURCE_TYPES.acl, name: 'tailnet-policy', inputs: { acl: '{}', resetAclOnDestroy: true } };
    expect(violationsWith((rs) => [...rs, acl])).toEqual([
      expect.stringMatching(/^\[policy-never-resets\] tailscale:index\/acl:Acl::tailnet-policy: resetAclOnDestroy is true; .*allow-all\. Fix: never set it\.$/),
      expect.stringMatching(/^\[policy-written-with-if-match\] tailscale:index\/acl:Acl::tailnet-policy: a tailscale\.Acl writes the whole tailnet policy without If-Match.*Fix: write through PolicyDocument/),
    ]);
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

describe('policy guard: hostile inputs never reach the control plane', () => {
  const intent = writeIntent(model, canary);
  const key = testKey(canary.name);
  const guardOf = (live: string, written: string) => checkPolicyGuard({
    intent, liveText: live, live: parseLivePolicy(live, 'live'), writtenText: written, written: parseLivePolicy(written, 'written'), ownBefore: new Set(),
  });

  test('a fragment that tries to add a capability grant is refused', () => {
    const grant = { src: [canary.tailnet.vmTag], dst: [canary.tailnet.clusterTag], ip: ['tcp:443'], app: { 'tailscale.com/cap/kubernetes': [{ impersonate: { groups: ['system:masters'] } }] } };
    const hostile: WriteIntent = { ...intent, entries: { ...intent.entries, grants: [...(intent.entries.grants as unknown[]), grant] } };
    expect(() => planPolicyWrite(hostile, LIVE_FIXTURE, key)).toThrow(/refuses to write the policy of tailnet "tuist": .*\n {2}- \[capability-grants-unchanged\] a capability \(app\) grant would be added: grants .*system:masters.*\nNothing was written/);
  });

  test('a fragment that tries to add a rule for an autogroup or a user, or to own another environment\'s tag, is refused', () => {
    const people = { src: ['autogroup:member'], dst: [canary.tailnet.clusterTag], ip: ['tcp:5432'] };
    // A tag of production's that the live policy does not declare yet.
    const foreignTag = poolerProxyTags(production)[0]!;
    expect(LIVE_FIXTURE).not.toContain(`"${foreignTag}"`);
    const hostile: WriteIntent = { ...intent, entries: { ...intent.entries, grants: [people], tagOwners: { ...(intent.entries.tagOwners as object), [foreignTag]: [canary.tailnet.operatorTag] } } };
    const refusal = (() => { try { planPolicyWrite(hostile, LIVE_FIXTURE, key); return ''; } catch (e) { return (e as Error).message; } })();
    expect(refusal).toMatch(/\[people-rules-unchanged\] a rule naming an autogroup or a user would be added: grants .*autogroup:member/);
    expect(refusal).toContain(`[foreign-tag-owners-unchanged] tagOwners["${foreignTag}"] belongs to another environment and would change from undefined to ["${canary.tailnet.operatorTag}"]`);
  });

  test('a people-owned entry edited through our code path (a composition defect) is refused', () => {
    const written = planPolicyWrite(intent, LIVE_FIXTURE, key).hujson.replace('"tcp:8043"', '"tcp:8044"');
    expect(guardOf(LIVE_FIXTURE, written)).toContainEqual({ rule: 'people-entries-unchanged', message: expect.stringMatching(/^grants\[\+\] is people's \(or another environment's\) and would become deleted; live .*"tcp:8043"/) });
    expect(guardOf(LIVE_FIXTURE, written)).toContainEqual(expect.objectContaining({ rule: 'people-rules-unchanged' }));
  });

  test('a forged ownership marker that claims people\'s entries is refused by the planner, and buys nothing with the guard', () => {
    const catchAll = policyEntries(parseLivePolicy(LIVE_FIXTURE, 'f')).find((e) => e.section === 'grants' && JSON.stringify(e.value).includes('"*"'))!;
    const forged = signMarker({ tailnet: intent.tailnet, environment: canary.name, schema: OWNERSHIP_SCHEMA, revision: 1, entries: [markedEntry(catchAll)] }, 'the console editor\'s own key, long enough to pass');
    const live = `${renderMarker(forged)}\n${LIVE_FIXTURE}`;
    expect(() => planPolicyWrite(intent, live, key)).toThrow(/does not carry this stack's MAC: it was edited or forged/);
    // Were a writer to trust the claim and drop the catch-all, the guard rail still refuses.
    const planned = planPolicyWrite(intent, LIVE_FIXTURE, key).hujson.replace(/\s*\{"src": \["\*"\], "dst": \["\*"\], "ip": \["\*"\]\},/, '');
    const record: ResourceRecord = { type: RESOURCE_TYPES.policyDocument, name: 'p', inputs: { intent, planned } };
    expect(checkGuardRails(canary, model, [record], live).map(formatViolation)).toContainEqual(expect.stringMatching(/^\[policy-guard\] .*\[people-entries-unchanged\] grants\[\+\] is people's .* would become deleted; live \{"dst":\["\*"\],"ip":\["\*"\],"src":\["\*"\]\}/));
  });

  test('another environment\'s marker is never rewritten', () => {
    const shared = steadyState(model, canary.tailnet.tailnet);
    const other = findMarkers(shared).find((m) => m.marker.environment === production.name)!;
    const tampered = shared.replace(other.text, other.text.replace('"revision":', '"revision": '));
    expect(guardOf(shared, tampered)).toContainEqual({ rule: 'foreign-markers-unchanged', message: expect.stringMatching(/another environment's ownership marker would change/) });
  });
});
