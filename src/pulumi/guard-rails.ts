/**
 * Guard rails, CrossGuard style: plain functions over what a stack registers (type, name,
 * inputs), run by the tests for every environment and by `preview-offline` on every pull
 * request. They hold whatever the program's code says.
 */
import type { Model } from '../config/load';
import { environmentIdentifiers, vmCredentialTags } from '../config/names';
import type { EnvironmentConfig } from '../config/types';
import { VM_OAUTH_SCOPES } from '../k8s/vm-credential';

export const RESOURCE_TYPES = {
  acl: 'tailscale:index/acl:Acl',
  tailnetKey: 'tailscale:index/tailnetKey:TailnetKey',
  oauthClient: 'tailscale:index/oauthClient:OauthClient',
} as const;

/** One resource as the engine receives it. */
export interface ResourceRecord {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export type GuardRule = 'policy-never-resets' | 'credential-own-vm-tag-only' | 'auth-key-flags' | 'oauth-client-scopes' | 'one-vm-credential' | 'no-foreign-identity' | 'own-namespace-only';

export interface GuardViolation {
  readonly rule: GuardRule;
  /** `type::name` of the offending resource. */
  readonly resource: string;
  readonly message: string;
}

/** Every violation among the resources an environment's stack registers. */
export function checkGuardRails(env: EnvironmentConfig, model: Model, resources: readonly ResourceRecord[]): GuardViolation[] {
  const foreign = foreignIdentities(env, model);
  return [...oneVmCredential(env, resources), ...resources.flatMap((resource) => [
    ...policyNeverResets(resource),
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

/** Tags and hostnames of every other environment, which no resource of this stack may carry. */
/** Other environments' tags and tailnet hostnames (names.ts says which identifiers each owns). */
function foreignIdentities(env: EnvironmentConfig, model: Model): { value: string; owner: string }[] {
  return model.environments.filter((other) => other.name !== env.name).flatMap((other) => (
    [...environmentIdentifiers(other)]
      .filter(([, kind]) => kind === 'tag' || kind === 'tailnet hostname')
      .map(([value]) => ({ value, owner: other.name }))
  ));
}

/** The policy document is tailnet-wide by design: on a shared tailnet it holds the other environment's rules. */
const TAILNET_WIDE_INPUTS: Readonly<Record<string, readonly string[]>> = { [RESOURCE_TYPES.acl]: ['acl'] };

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
