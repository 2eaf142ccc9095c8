/**
 * The policy writer as `pulumi up` runs it: not the module this process imported, but the
 * dynamic provider's code as Pulumi serialized it into the resource (`__provider`), loaded the
 * way the engine loads it (a CommonJS module whose `handler()` returns the provider) and run
 * against a fake Tailscale API behind `globalThis.fetch`. Serializing can succeed while the
 * serialized code fails: a captured Map, Set or WeakMap becomes a plain object holding the
 * prototype's methods, which throw when called (src/tailnet/memo.ts).
 */
import type * as pulumi from '@pulumi/pulumi';
import type { PolicyDocumentInputs, PolicyDocumentOutputs } from '../../src/pulumi/policy-provider';
import { RESOURCE_TYPES } from '../../src/pulumi/guard-rails';
import { findMarkers, markerIsAuthentic } from '../../src/pulumi/policy-marker';
import { parseLivePolicy, planPolicyWrite } from '../../src/pulumi/policy-writer';
import { canonicalJson, entryId, policyEntries } from '../../src/tailnet';
import { ENVIRONMENTS } from '../fixtures';
import { LIVE_FIXTURE } from './adoption-contract';
import { runStack } from './run-stack';

// The provider's code is the same for every environment; the inputs are one environment's.
const env = ENVIRONMENTS[0]!;
const ID_TOKEN = 'fake-oidc-token';
const ACCESS_TOKEN = 'fake-access-token';

/**
 * How Pulumi copies a captured collection: an object holding the methods the code calls,
 * taken from the prototype (`global.Set.prototype.has`), or one inheriting from it
 * (`Object.create(global.WeakMap.prototype)`). Neither holds the entries.
 */
const COPIED_COLLECTION = /\b(?:Weak)?(?:Map|Set)\.prototype\b(?:\.\w+)?/g;

interface Request { readonly url: string; readonly method: string; readonly headers: Record<string, string>; readonly body?: string }

/**
 * The Tailscale API as far as the writer uses it: a token for the federated identity, the
 * policy with its ETag, a write only with the current ETag in If-Match (else 412).
 * `beforeWrite` is another writer (a person in the console) acting just before a write lands.
 */
class FakeTailscale {
  version = 1;
  readonly requests: Request[] = [];
  readonly written: string[] = [];
  constructor(public text: string, readonly tailnetId: string, readonly clientId: string, private beforeWrite?: (live: string) => string) {}

  get etag(): string { return `"v${this.version}"`; }

  readonly fetch = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    this.requests.push({ url, ...init });
    const answer = this.answer(url, init);
    return { status: answer.status, headers: { get: (name: string) => (name.toLowerCase() === 'etag' ? answer.etag ?? null : null) }, text: async () => answer.body ?? '' };
  };

  private answer(url: string, init: { method: string; headers: Record<string, string>; body?: string }): { status: number; body?: string; etag?: string } {
    const api = 'https://api.tailscale.com/api/v2';
    if (url === `${api}/oauth/token-exchange` && init.method === 'POST') {
      const form = new URLSearchParams(init.body);
      return form.get('client_id') === this.clientId && form.get('jwt') === ID_TOKEN ? { status: 200, body: JSON.stringify({ access_token: ACCESS_TOKEN }) } : { status: 401 };
    }
    if (url !== `${api}/tailnet/${encodeURIComponent(this.tailnetId)}/acl`) return { status: 404 };
    if (init.headers.Authorization !== `Bearer ${ACCESS_TOKEN}`) return { status: 401 };
    if (init.method === 'GET') return { status: 200, body: this.text, etag: this.etag };
    if (init.method !== 'POST') return { status: 405 };
    if (this.beforeWrite !== undefined) {
      this.text = this.beforeWrite(this.text);
      this.version++;
      this.beforeWrite = undefined;
    }
    if (init.headers['If-Match'] !== this.etag) return { status: 412 };
    this.text = init.body!;
    this.version++;
    this.written.push(init.body!);
    return { status: 200 };
  }
}

/** Loads the serialized provider as the engine does (`require-from-string`, then `handler()`). */
function loadSerializedProvider(code: string): pulumi.dynamic.ResourceProvider {
  const module = { exports: {} as { handler?: () => pulumi.dynamic.ResourceProvider } };
  new Function('exports', 'require', 'module', code)(module.exports, require, module);
  return module.exports.handler!();
}

/** Runs `body` with the fake as the process's `fetch` and the identity token the deploy workflow exports. */
async function withFakeApi<T>(api: FakeTailscale, tokenVariable: string, body: () => Promise<T>): Promise<T> {
  const fetch = globalThis.fetch;
  const token = process.env[tokenVariable];
  globalThis.fetch = api.fetch as unknown as typeof globalThis.fetch;
  process.env[tokenVariable] = ID_TOKEN;
  try {
    return await body();
  } finally {
    globalThis.fetch = fetch;
    if (token === undefined) delete process.env[tokenVariable];
    else process.env[tokenVariable] = token;
  }
}

type Grant = { src: string[]; dst: string[]; ip?: string[] };

/**
 * The live fixture with every part of the language the evaluator reads, owned by people:
 * groups, SCIM groups, users, hosts, legacy ACLs, postures, `via`, role autogroups in grants
 * and SSH rules, `check` rules, and people's tests from groups and users.
 */
function wholeLanguagePolicy(): string {
  const live = parseLivePolicy(LIVE_FIXTURE, 'fixture') as Record<string, any>;
  const rich = {
    ...live,
    groups: { ...live.groups, 'group:ops': ['alice@example.com', 'bob@example.com'] },
    hosts: { 'rack-edge-host': '10.10.0.1', office: '192.168.1.0/24' },
    grants: [
      ...live.grants,
      { src: ['group:ops'], dst: ['rack-edge-host'], ip: ['tcp:22'] },
      { src: ['group:eng@example.com'], dst: ['tag:tuist-rack-edge'], ip: ['tcp:443'] },
      { src: ['autogroup:admin', 'autogroup:it-admin'], dst: ['autogroup:internet'], ip: ['*'] },
      { src: ['autogroup:member'], dst: ['tag:tuist-rack-node'], ip: ['tcp:10250'], srcPosture: ['posture:stableClient'] },
      { src: ['tag:tuist-rack-edge'], dst: ['office'], ip: ['udp:53'], via: ['tag:tuist-rack-edge'] },
      { src: ['autogroup:tagged'], dst: ['100.64.0.0/10'], ip: ['tcp:1-1024'] },
      { src: ['autogroup:network-admin'], dst: [env.tailnet.vmTag], ip: ['tcp:22'] },
    ],
    acls: [
      { action: 'accept', src: ['group:ops'], dst: ['tag:tuist-rack-node:22,10250'], proto: 'tcp' },
      { action: 'accept', src: ['autogroup:shared'], dst: ['office:*'] },
    ],
    ssh: [
      ...live.ssh,
      { action: 'accept', src: ['autogroup:admin'], dst: ['tag:tuist-rack-edge', env.tailnet.vmTag], users: ['root', 'autogroup:nonroot'] },
      { action: 'check', src: ['group:ops'], dst: ['tag:tuist-rack-node'], users: ['localpart:*@example.com'], checkPeriod: '12h' },
    ],
    tests: [
      ...live.tests,
      { src: 'group:ops', accept: ['rack-edge-host:22'] },
      { src: 'alice@example.com', accept: ['tag:tuist-rack-node:10250'] },
    ],
    sshTests: [
      ...live.sshTests,
      { src: 'alice@example.com', dst: ['tag:tuist-rack-node'], check: ['alice'] },
      { src: 'group:ops', dst: ['tag:tuist-rack-node'], check: ['bob'] },
    ],
  };
  return `// A copy of the live fixture with the whole language in it.\n${JSON.stringify(rich, null, 2)}\n`;
}

describe(`the serialized policy writer, run as the engine runs it (stack "${env.name}")`, () => {
  let code: string;
  let inputs: PolicyDocumentInputs;
  let tokenVariable: string;
  beforeAll(async () => {
    // CI's authentication: the federated identity, its token read from the environment when the provider runs.
    const stack = await runStack(env, { livePolicy: LIVE_FIXTURE, federated: true });
    const { __provider, ...rest } = stack.one(RESOURCE_TYPES.policyDocument).inputs;
    code = String(__provider);
    inputs = rest as unknown as PolicyDocumentInputs;
    if (inputs.auth.kind !== 'federated') throw new Error(`expected the federated identity, got ${inputs.auth.kind}`);
    tokenVariable = inputs.auth.tokenVariable;
  }, 120_000);

  const fakeApi = (live: string, beforeWrite?: (live: string) => string) => new FakeTailscale(live, inputs.tailnetId, inputs.auth.clientId, beforeWrite);
  const create = async (api: FakeTailscale) => withFakeApi(api, tokenVariable, () => loadSerializedProvider(code).create!(inputs));
  const markerOf = (text: string) => findMarkers(text).find((m) => m.marker.environment === inputs.intent.environment)?.marker;

  test('holds no copy of a Map, Set or WeakMap method (one would throw when the provider runs)', () => {
    expect(code).toMatch(/^exports\.handler = /);
    expect(code.match(COPIED_COLLECTION) ?? []).toEqual([]);
  });

  test('create adopts the live policy through the API: reads it with its ETag, writes it once with If-Match, reads it back', async () => {
    const api = fakeApi(LIVE_FIXTURE);
    const etag = api.etag;
    const created = await create(api);

    const acl = api.requests.filter((r) => r.url.endsWith('/acl'));
    expect(api.requests[0]!.url).toMatch(/\/oauth\/token-exchange$/);
    expect(acl.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
    expect(acl[1]!.headers['If-Match']).toBe(etag);
    expect(api.written).toEqual([acl[1]!.body]);
    // The serialized code writes what this process's code plans, for the same inputs.
    expect(api.text).toBe(planPolicyWrite(inputs.intent, LIVE_FIXTURE, inputs.ownershipKey).hujson);

    const marker = markerOf(api.text)!;
    expect('malformed' in marker ? marker : markerIsAuthentic(marker, inputs.ownershipKey)).toBe(true);
    expect(created.id).toBe(`${inputs.tailnetId}/${inputs.intent.environment}`);
    expect(created.outs).toMatchObject({ revision: (marker as { revision: number }).revision, retries: 0, tailnetId: inputs.tailnetId });
  }, 120_000);

  test('the written document holds the environment\'s entries next to people\'s (their catch-all included)', async () => {
    const api = fakeApi(LIVE_FIXTURE);
    await create(api);
    const live = parseLivePolicy(LIVE_FIXTURE, 'fixture') as { grants: Grant[] };
    const written = parseLivePolicy(api.written[0]!, 'written') as { tagOwners: Record<string, string[]>; grants: Grant[] };
    const { vmTag, clusterTag } = env.tailnet;
    expect(Object.keys(written.tagOwners)).toEqual(expect.arrayContaining([vmTag, clusterTag]));
    // Grants of the VM tag the live policy did not have: the environment's own, added.
    const added = written.grants.filter((g) => !live.grants.some((l) => canonicalJson(l) === canonicalJson(g)));
    expect(added.filter((g) => g.src.includes(vmTag)).length).toBeGreaterThan(0);
    expect(written.grants.filter((g) => g.src.includes('*') && g.dst.includes('*'))).toEqual(live.grants.filter((g) => g.src.includes('*') && g.dst.includes('*')));
    const after = new Map(policyEntries(written).map((e) => [entryId(e), canonicalJson(e.value)]));
    // Every entry of the environment's, except the tests the plan withholds (a people's rule such as the catch-all defeats them).
    const withheld = new Set(planPolicyWrite(inputs.intent, LIVE_FIXTURE, inputs.ownershipKey).entries.filter((e) => e.status === 'withheld').map((e) => canonicalJson(e.value)));
    const own = policyEntries(inputs.intent.entries).filter((e) => !withheld.has(canonicalJson(e.value)));
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((e) => after.get(entryId(e)) !== canonicalJson(e.value))).toEqual([]);
    expect(policyEntries(live).filter((e) => after.get(entryId(e)) !== canonicalJson(e.value))).toEqual([]);
  }, 120_000);

  test('update on what it wrote writes nothing and keeps the revision; diff asks for a write only when the plan had one', async () => {
    const api = fakeApi(LIVE_FIXTURE);
    const created = await create(api);
    const outs = created.outs as PolicyDocumentOutputs;
    const writes = api.written.length;
    const updated = await withFakeApi(api, tokenVariable, () => loadSerializedProvider(code).update!(created.id, outs, inputs));
    expect(api.written.length).toBe(writes);
    expect(updated.outs).toMatchObject({ revision: outs.revision, retries: 0 });
    const provider = loadSerializedProvider(code);
    expect((await provider.diff!(created.id, outs, inputs)).changes).toBe(inputs.pending);
    expect((await provider.diff!(created.id, outs, { ...inputs, pending: false })).changes).toBe(false);
  }, 120_000);

  test('a person\'s edit between the read and the write: 412, then a new plan over the newer text, the edit kept', async () => {
    const edit = (live: string) => live.replace('"groups": {}', '"groups": {"group:late": ["late@example.com"]}');
    expect(edit(LIVE_FIXTURE)).not.toBe(LIVE_FIXTURE);
    const api = fakeApi(LIVE_FIXTURE, edit);
    const created = await create(api);
    const posts = api.requests.filter((r) => r.url.endsWith('/acl') && r.method === 'POST');
    expect(posts.map((p) => p.headers['If-Match'])).toEqual(['"v1"', '"v2"']);
    expect(created.outs!.retries).toBe(1);
    expect(api.written).toEqual([planPolicyWrite(inputs.intent, edit(LIVE_FIXTURE), inputs.ownershipKey).hujson]);
    expect(parseLivePolicy(api.text, 'written').groups).toEqual({ 'group:late': ['late@example.com'] });
  }, 120_000);

  test('over a live policy in the whole language (roles, groups, hosts, ACLs, postures, SSH checks) writes what this process plans', async () => {
    const live = wholeLanguagePolicy();
    const planned = planPolicyWrite(inputs.intent, live, inputs.ownershipKey);
    expect(planned.changed).toBe(true);
    const api = fakeApi(live);
    const created = await create(api);
    expect(api.written).toEqual([planned.hujson]);
    expect(created.outs!.revision).toBe(planned.marker.revision);
    const after = new Map(policyEntries(parseLivePolicy(api.text, 'written')).map((e) => [entryId(e), canonicalJson(e.value)]));
    expect(policyEntries(parseLivePolicy(live, 'live')).filter((e) => after.get(entryId(e)) !== canonicalJson(e.value))).toEqual([]);
  }, 120_000);
});
