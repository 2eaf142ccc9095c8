/**
 * Guard rails, CrossGuard style: plain functions over what a stack registers (type, name,
 * inputs), run by the tests for every environment and by `preview-offline` on every pull
 * request. They hold whatever the program's code says.
 */
import type { Model } from '../config/load';
import { environmentIdentifiers, vmCredentialTags } from '../config/names';
import type { EnvironmentConfig } from '../config/types';
import { VM_OAUTH_SCOPES } from '../k8s/vm-credential';
import {
  BASE_OWNER, type PolicyEntry, type RawPolicy, canonicalJson, entryId, entryPath, parsePolicyHujson, policyEntries, selectorKind,
} from '../tailnet';
import { type OwnershipMarker, findMarkers, markerEntryIds } from './policy-marker';
import type { WriteIntent } from './policy-writer';

export const RESOURCE_TYPES = {
  acl: 'tailscale:index/acl:Acl',
  tailnetKey: 'tailscale:index/tailnetKey:TailnetKey',
  oauthClient: 'tailscale:index/oauthClient:OauthClient',
  /** The dynamic resource that writes an environment's policy entries (policy-provider.ts). */
  policyDocument: 'pulumi-nodejs:dynamic/tailnet:PolicyDocument',
} as const;

/** One resource as the engine receives it. */
export interface ResourceRecord {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export type GuardRule = 'policy-never-resets' | 'policy-written-with-if-match' | 'policy-guard' | 'credential-own-vm-tag-only' | 'auth-key-flags' | 'oauth-client-scopes' | 'one-vm-credential' | 'no-foreign-identity' | 'own-namespace-only';

export interface GuardViolation {
  readonly rule: GuardRule;
  /** `type::name` of the offending resource. */
  readonly resource: string;
  readonly message: string;
}

/**
 * Every violation among the resources an environment's stack registers. Given the live
 * policy the stack planned against, the policy guard (checkPolicyGuard) runs on the document
 * it would write, too.
 */
export function checkGuardRails(env: EnvironmentConfig, model: Model, resources: readonly ResourceRecord[], livePolicy?: string): GuardViolation[] {
  const foreign = foreignIdentities(env, model);
  return [...oneVmCredential(env, resources), ...resources.flatMap((resource) => [
    ...policyNeverResets(resource),
    ...policyWrittenWithIfMatch(resource),
    ...(livePolicy === undefined ? [] : policyGuard(env, resource, livePolicy)),
    ...credentialOwnVmTagOnly(env, resource),
    ...authKeyFlags(resource),
    ...oauthClientScopes(resource),
    ...noForeignIdentity(resource, foreign),
    ...ownNamespaceOnly(env, resource),
  ])];
}

const isVmCredential = (r: ResourceRecord): boolean => r.type === RESOURCE_TYPES.tailnetKey || r.type === RESOURCE_TYPES.oauthClient;

/** Each stack owns exactly one VM credential (docs/vm-credentials.md): none leaves the VMs unable to join, two are one too many to revoke. */
function oneVmCredential(env: EnvironmentConfig, resources: readonly ResourceRecord[]): GuardViolation[] {
  const credentials = resources.filter(isVmCredential);
  if (credentials.length === 1) return [];
  return [{
    rule: 'one-vm-credential', resource: credentials.map(id).join(', ') || '(none)',
    message: `environment "${env.name}" registers ${credentials.length} VM credentials; its stack owns exactly one, of vmCredential.kind. Fix: mint it only through MintedVmCredential (src/pulumi/minted-vm-credential.ts).`,
  }];
}

/** The VMs' OAuth client may mint keys and nothing else. */
function oauthClientScopes(r: ResourceRecord): GuardViolation[] {
  if (r.type !== RESOURCE_TYPES.oauthClient) return [];
  const scopes = Array.isArray(r.inputs.scopes) ? [...r.inputs.scopes].sort() : r.inputs.scopes;
  if (JSON.stringify(scopes) === JSON.stringify([...VM_OAUTH_SCOPES].sort())) return [];
  return [{
    rule: 'oauth-client-scopes', resource: id(r),
    message: `scopes are ${JSON.stringify(r.inputs.scopes)}; the VMs' OAuth client gets exactly ${JSON.stringify(VM_OAUTH_SCOPES)}, to mint their own keys. Fix: take them from VM_OAUTH_SCOPES.`,
  }];
}

export function formatViolation(v: GuardViolation): string {
  return `[${v.rule}] ${v.resource}: ${v.message}`;
}

const id = (r: ResourceRecord): string => `${r.type}::${r.name}`;

/** `resetAclOnDestroy` reverts the tailnet to allow-all when the resource is deleted. */
function policyNeverResets(r: ResourceRecord): GuardViolation[] {
  if (r.type !== RESOURCE_TYPES.acl || r.inputs.resetAclOnDestroy === undefined || r.inputs.resetAclOnDestroy === false) return [];
  return [{
    rule: 'policy-never-resets', resource: id(r),
    message: `resetAclOnDestroy is ${JSON.stringify(r.inputs.resetAclOnDestroy)}; destroying the stack would reset the tailnet policy to allow-all. Fix: never set it.`,
  }];
}

/** The provider's `Acl` replaces the whole policy without `If-Match`: a concurrent writer's change would be lost. */
function policyWrittenWithIfMatch(r: ResourceRecord): GuardViolation[] {
  if (r.type !== RESOURCE_TYPES.acl) return [];
  return [{
    rule: 'policy-written-with-if-match', resource: id(r),
    message: 'a tailscale.Acl writes the whole tailnet policy without If-Match, so a concurrent writer\'s change is silently lost. Fix: write through PolicyDocument (src/pulumi/policy-provider.ts).',
  }];
}

/** The document a PolicyDocument would write, against the live one: people's entries, capability grants, others' tag owners unchanged. */
function policyGuard(env: EnvironmentConfig, r: ResourceRecord, livePolicy: string): GuardViolation[] {
  if (r.type !== RESOURCE_TYPES.policyDocument) return [];
  const intent = r.inputs.intent as WriteIntent;
  const written = String(r.inputs.planned);
  const parse = (text: string): RawPolicy => (text.trim() === '' ? {} : parsePolicyHujson(text, 'policy') as unknown as RawPolicy);
  const live = parse(livePolicy);
  const mine = findMarkers(livePolicy).map((m) => m.marker).find((m): m is OwnershipMarker => !('malformed' in m) && m.environment === env.name);
  const kindOf = (section: string): PolicyEntry['kind'] => (Array.isArray(live[section]) ? 'element' : live[section] !== null && typeof live[section] === 'object' ? 'key' : 'section');
  const ownBefore = mine === undefined ? new Set<string>() : markerEntryIds(mine, kindOf);
  return checkPolicyGuard({ intent, liveText: livePolicy, live, writtenText: written, written: parse(written), ownBefore })
    .map((v) => ({ rule: 'policy-guard' as const, resource: id(r), message: `[${v.rule}] ${v.message}` }));
}

function credentialOwnVmTagOnly(env: EnvironmentConfig, r: ResourceRecord): GuardViolation[] {
  if (r.type !== RESOURCE_TYPES.tailnetKey && r.type !== RESOURCE_TYPES.oauthClient) return [];
  const expected = [...vmCredentialTags(env)].sort();
  const tags = Array.isArray(r.inputs.tags) ? [...r.inputs.tags].sort() : r.inputs.tags;
  if (JSON.stringify(tags) === JSON.stringify(expected)) return [];
  return [{
    rule: 'credential-own-vm-tag-only', resource: id(r),
    message: `tags are ${JSON.stringify(r.inputs.tags)}; environment "${env.name}" mints VM credentials with exactly ${JSON.stringify(expected)}. Fix: take the tags from vmCredentialTags(env).`,
  }];
}

function authKeyFlags(r: ResourceRecord): GuardViolation[] {
  if (r.type !== RESOURCE_TYPES.tailnetKey) return [];
  const problems: string[] = [];
  if (r.inputs.reusable !== true) problems.push(`reusable is ${JSON.stringify(r.inputs.reusable)}, but every VM of the fleet joins with the one key`);
  if (r.inputs.preauthorized !== true) problems.push(`preauthorized is ${JSON.stringify(r.inputs.preauthorized)}, so a VM would wait for a human to approve it`);
  if (typeof r.inputs.expiry !== 'number' || r.inputs.expiry <= 0) problems.push(`expiry is ${JSON.stringify(r.inputs.expiry)}; an explicit lifetime in seconds is required so rotation can run ahead of it`);
  return problems.map((p) => ({ rule: 'auth-key-flags' as const, resource: id(r), message: `${p}. Fix: see src/pulumi/minted-vm-credential.ts.` }));
}

/** Other environments' tags and tailnet hostnames (names.ts says which identifiers each owns). */
function foreignIdentities(env: EnvironmentConfig, model: Model): { value: string; owner: string }[] {
  return model.environments.filter((other) => other.name !== env.name).flatMap((other) => (
    [...environmentIdentifiers(other)]
      .filter(([, kind]) => kind === 'tag' || kind === 'tailnet hostname')
      .map(([value]) => ({ value, owner: other.name }))
  ));
}

/** The policy document is tailnet-wide by design: on a shared tailnet it holds the other environment's rules. */
const TAILNET_WIDE_INPUTS: Readonly<Record<string, readonly string[]>> = {
  [RESOURCE_TYPES.acl]: ['acl'],
  [RESOURCE_TYPES.policyDocument]: ['intent', 'planned', '__provider'],
};

function noForeignIdentity(r: ResourceRecord, foreign: readonly { value: string; owner: string }[]): GuardViolation[] {
  const skipped = TAILNET_WIDE_INPUTS[r.type] ?? [];
  const violations: GuardViolation[] = [];
  for (const [field, value] of Object.entries(r.inputs)) {
    if (skipped.includes(field)) continue;
    for (const [path, text] of strings(value, field)) {
      for (const f of foreign) {
        if (containsToken(text, f.value)) {
          violations.push({
            rule: 'no-foreign-identity', resource: id(r),
            message: `${path} carries ${JSON.stringify(f.value)}, which belongs to environment "${f.owner}". Fix: derive it from this environment (src/config/names.ts).`,
          });
        }
      }
    }
  }
  return violations;
}

function ownNamespaceOnly(env: EnvironmentConfig, r: ResourceRecord): GuardViolation[] {
  if (!r.type.startsWith('kubernetes:')) return [];
  const namespace = (r.inputs.metadata as { namespace?: unknown } | undefined)?.namespace;
  if (namespace === env.namespace) return [];
  return [{
    rule: 'own-namespace-only', resource: id(r),
    message: `metadata.namespace is ${JSON.stringify(namespace)}; environment "${env.name}" only touches namespace "${env.namespace}". Fix: set it from the environment.`,
  }];
}

/** Every string in a value, with its path. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* strings(item, `${path}[${i}]`);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      yield [`${path} (key ${JSON.stringify(key)})`, key];
      yield* strings(item, `${path}.${key}`);
    }
  }
}

/** True when `token` occurs in `text` not as part of a longer name (`tag:x-canary` is not in `tag:x-canary2`). */
function containsToken(text: string, token: string): boolean {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9-])${escaped}(?![A-Za-z0-9-])`).test(text);
}

/** What the policy guard compares: the live document and the one about to be written. */
export interface PolicyGuardInput {
  readonly intent: WriteIntent;
  readonly liveText: string;
  readonly live: RawPolicy;
  readonly writtenText: string;
  readonly written: RawPolicy;
  /** Entry ids the environment's verified marker lists (what it wrote before). */
  readonly ownBefore: ReadonlySet<string>;
}

export type PolicyGuardRule =
  | 'people-entries-unchanged' | 'capability-grants-unchanged' | 'people-rules-unchanged'
  | 'foreign-tag-owners-unchanged' | 'foreign-markers-unchanged';

/**
 * Refuses any document in which, compared with live: a people-owned entry differs, a
 * capability (`app`) grant differs, a rule naming an autogroup or a user differs, another
 * environment's `tagOwners` entry differs, or another environment's marker differs. These
 * hold whatever the composition code says: they are checked on the text about to be sent.
 */
export function checkPolicyGuard(input: PolicyGuardInput): { rule: PolicyGuardRule; message: string }[] {
  const { intent, live, written } = input;
  const found: { rule: PolicyGuardRule; message: string }[] = [];
  const ownTags = new Set(intent.environments[intent.environment] ?? []);
  const writtenById = new Map(policyEntries(written).map((e) => [entryId(e), e]));
  const show = (v: unknown): string => canonicalJson(v) ?? String(v);

  // A marker's claim counts only for entries the environment could have written: about its own
  // tags, no capability, no autogroup or user. A forged claim on people's entries buys nothing.
  const plausiblyOwn = (entry: PolicyEntry): boolean => (entry.kind === 'key' || entry.kind === 'member'
    ? entry.section === 'tagOwners' && ownTags.has(entry.key!)
    : entry.kind === 'element' && isObject(entry.value) && !('app' in (entry.value as object)) && !namesPeople(entry.value as Record<string, unknown>)
      && [...ownTags].some((t) => new RegExp(`"${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}("|:\\d)`).test(JSON.stringify(entry.value))));
  for (const entry of policyEntries(live)) {
    const id = entryId(entry);
    if (input.ownBefore.has(id) && plausiblyOwn(entry)) continue;
    const now = writtenById.get(id);
    if (now === undefined || show(now.value) !== show(entry.value)) {
      found.push({ rule: 'people-entries-unchanged', message: `${entryPath(entry)} is people's (or another environment's) and would become ${now === undefined ? 'deleted' : show(now.value)}; live ${show(entry.value)}.` });
    }
  }
  const multiset = (doc: RawPolicy, keep: (section: string, rule: Record<string, unknown>) => boolean): string[] =>
    policyEntries(doc).filter((e) => e.kind === 'element' && isObject(e.value) && keep(e.section, e.value as Record<string, unknown>)).map((e) => `${e.section} ${show(e.value)}`).sort();
  const compare = (rule: PolicyGuardRule, what: string, keep: (section: string, rule: Record<string, unknown>) => boolean): void => {
    const before = multiset(live, keep);
    const after = multiset(written, keep);
    for (const x of after.filter((a) => !before.includes(a))) found.push({ rule, message: `${what} would be added: ${x}.` });
    for (const x of before.filter((b) => !after.includes(b))) found.push({ rule, message: `${what} would be removed or changed: ${x}.` });
  };
  compare('capability-grants-unchanged', 'a capability (app) grant', (_s, r) => 'app' in r);
  compare('people-rules-unchanged', 'a rule naming an autogroup or a user', (s, r) => ['grants', 'acls', 'ssh'].includes(s) && namesPeople(r));

  const foreignTags = Object.entries(intent.environments).filter(([name]) => name !== intent.environment && name !== BASE_OWNER).flatMap(([, tags]) => tags);
  const owners = (doc: RawPolicy): Record<string, unknown> => (isObject(doc.tagOwners) ? doc.tagOwners as Record<string, unknown> : {});
  for (const tag of foreignTags) {
    if (show(owners(live)[tag]) !== show(owners(written)[tag])) {
      found.push({ rule: 'foreign-tag-owners-unchanged', message: `tagOwners[${JSON.stringify(tag)}] belongs to another environment and would change from ${show(owners(live)[tag])} to ${show(owners(written)[tag])}.` });
    }
  }
  const foreignMarkers = (text: string): string[] => findMarkers(text).filter((m) => m.marker.environment !== intent.environment).map((m) => m.text.trim()).sort();
  if (show(foreignMarkers(input.liveText)) !== show(foreignMarkers(input.writtenText))) {
    found.push({ rule: 'foreign-markers-unchanged', message: 'another environment\'s ownership marker would change; only its own stack writes it.' });
  }
  return found;
}

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A rule naming an autogroup or a user in its `src`/`dst`: people's access. */
function namesPeople(r: Record<string, unknown>): boolean {
  return ['src', 'dst'].some((f) => Array.isArray(r[f]) && (r[f] as unknown[]).some((s) => {
    if (typeof s !== 'string') return false;
    const kind = selectorKind(s.replace(/:[^:@]*$/, ''));
    return kind === 'autogroup' || kind === 'user' || s.startsWith('autogroup:');
  }));
}
