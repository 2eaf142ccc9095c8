/**
 * Runs a stack program without an engine: `pulumi.runtime.setMocks` stands in for the
 * Pulumi CLI and the providers, and every registration is recorded as the engine would
 * receive it (parent, provider, dependencies, protection, timeouts, which inputs are
 * secrets). The tests and `preview-offline` both use it.
 */
import * as pulumi from '@pulumi/pulumi';
import type { Model } from '../config/load';
import { parsePolicyHujson } from '../tailnet/render';
import type { ResourceRecord } from './guard-rails';
import { RESOURCE_TYPES } from './guard-rails';
import { POLICY_DOCUMENT_TYPE, type PolicyDocumentInputs, policyDocumentProvider } from './policy-provider';
import { planPolicyWrite, writeIntent } from './policy-writer';
import { PULUMI_PROJECT, type StackConfig } from './stack-config';
import { type LivePolicy, type PolicyApi, PreconditionFailed } from './tailscale-api';

export const INVOKE_TOKENS = { getAcl: 'tailscale:index/getAcl:getAcl' } as const;

/** Stand-ins for values only Tailscale makes. Not shaped like real keys, so no scanner mistakes them for one. */
export const OFFLINE_VALUES = {
  authKey: (name: string) => `offline-auth-key-of-${name}`,
  oauthClientSecret: (name: string) => `offline-oauth-secret-of-${name}`,
} as const;

export interface OfflineRunOptions {
  /** The stack (environment) name the program believes it runs as. */
  readonly stack: string;
  /** What Tailscale answers as "now": the creation time of minted keys. */
  readonly now: Date;
  /** The tailnet policy `tailscale.getAcl` returns (HuJSON), as live on the tailnet. */
  readonly livePolicy: string;
  /** Run as `pulumi preview` (true) or `pulumi up` (false). */
  readonly preview: boolean;
  /**
   * Another writer (a concurrent `pulumi up`, the admin console): called with the live text
   * after the stack read it and before its first write; what it returns is live from then on.
   */
  readonly concurrentWriter?: (live: string) => string;
  /** Read ownership markers without their MAC (a copy of a live policy, previewed without the stack's key). */
  readonly unverifiedMarkers?: boolean;
}

export interface RecordedResource extends ResourceRecord {
  readonly urn: string;
  readonly custom: boolean;
  /** Parent URN; '' for a resource at the stack's root. */
  readonly parent: string;
  /** Provider reference (`<urn>::<id>`); '' for the default provider. */
  readonly provider: string;
  /** URNs this resource waits for: its `dependsOn` and the resources its inputs come from. */
  readonly dependencies: readonly string[];
  readonly protect: boolean;
  readonly customTimeouts: { readonly create: string; readonly update: string; readonly delete: string };
  /** Input names whose change replaces the resource instead of updating it. */
  readonly replaceOnChanges: readonly string[];
  /** Deleting it from the stack leaves it in place (Pulumi never calls the provider's delete). */
  readonly retainOnDelete: boolean;
  /** A replacement deletes the old resource first (true) or creates the new one first (false, Pulumi's default). */
  readonly deleteBeforeReplace: boolean;
  /** Outputs the engine stores and prints as secrets, whatever the provider says. */
  readonly additionalSecretOutputs: readonly string[];
  /** Paths of inputs that are Pulumi secrets, e.g. `stringData.auth-key`. */
  readonly secretPaths: readonly string[];
  /** The inputs with every secret replaced by {@link REDACTED}: what may be printed. */
  readonly redactedInputs: Readonly<Record<string, unknown>>;
}

/** What a secret input prints as. */
export const REDACTED = '[secret]';

export interface RecordedInvoke {
  readonly token: string;
  /** Provider reference (`<urn>::<id>`) the invoke went through. */
  readonly provider: string;
}

export interface OfflineRun<T> {
  readonly resources: readonly RecordedResource[];
  readonly invokes: readonly RecordedInvoke[];
  /** The program's result with every Output resolved. */
  readonly outputs: T;
  /** The tailnet policy as live after the run. */
  readonly livePolicyAfter: string;
  /** How many times the policy was written (accepted POSTs). */
  readonly policyWrites: number;
  /** What the program logged with `pulumi.log.info`, in order. */
  readonly logs: readonly string[];
}

/** Runs `program` under mocks and returns what it registered. One run at a time per process. */
export async function runOffline<T>(options: OfflineRunOptions, program: () => Promise<T>): Promise<OfflineRun<pulumi.Unwrap<T>>> {
  const resources: RecordedResource[] = [];
  const invokes: RecordedInvoke[] = [];
  const api = new InMemoryPolicyApi(options.livePolicy, options.concurrentWriter);
  await pulumi.runtime.setMocks({
    newResource: async (args) => {
      if (args.type === POLICY_DOCUMENT_TYPE) {
        // The real provider's create, against an in-memory API that honours If-Match.
        const { __provider: _serialized, ...inputs } = decode(args.inputs, '', (_path, value) => value) as PolicyDocumentInputs & { __provider?: string };
        const created = await policyDocumentProvider({ fetch: unreachable, env: {}, api: () => api, unverifiedMarkers: options.unverifiedMarkers === true }).create(inputs);
        return { id: created.id, state: created.outs as unknown as Record<string, unknown> };
      }
      return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs, options.now) } };
    },
    call: (args) => {
      invokes.push({ token: args.token, provider: args.provider ?? '' });
      if (args.token === INVOKE_TOKENS.getAcl) {
        return { hujson: api.text, json: JSON.stringify(parsePolicyHujson(api.text, 'live policy')), id: 'policy' };
      }
      throw new Error(`No offline stand-in for the invoke ${args.token}. Fix: add one to src/pulumi/offline-run.ts.`);
    },
  }, PULUMI_PROJECT, options.stack, options.preview);
  recordRegistrations(resources);
  // What the program logs (the policy plan) is what `pulumi preview` prints: kept, not printed here.
  const logs: string[] = [];
  const log = pulumi.log as { info: typeof pulumi.log.info };
  const info = log.info;
  log.info = async (message: string) => { logs.push(message); };

  try {
    const outputs = await resolved(pulumi.output(await program()));
    return { resources, invokes, outputs: outputs as pulumi.Unwrap<T>, livePolicyAfter: api.text, policyWrites: api.writes, logs };
  } finally {
    log.info = info;
    // Registrations run asynchronously; wait until the last one reached the (mock) engine.
    await pulumi.runtime.disconnect();
  }
}

/** Outputs only Tailscale computes, so programs that read them (expiry, the key) run offline. */
function computedState(type: string, name: string, inputs: Record<string, unknown>, now: Date): Record<string, unknown> {
  switch (type) {
    case RESOURCE_TYPES.tailnetKey:
      return {
        key: OFFLINE_VALUES.authKey(name),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + Number(inputs.expiry) * 1000).toISOString(),
        invalid: false,
      };
    case RESOURCE_TYPES.oauthClient:
      return { key: OFFLINE_VALUES.oauthClientSecret(name), createdAt: now.toISOString() };
    default:
      return {};
  }
}

/** Wraps the mock monitor so each registration is recorded as sent, options included. */
function recordRegistrations(into: RecordedResource[]): void {
  // The monitor is the SDK's mock; its request objects are the engine protocol's.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource: (req: RegisterRequest, callback: (error: unknown, response?: { getUrn(): string }) => void) => unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => register(req, (error, response) => {
    if (response !== undefined) into.push(recordOf(req, response.getUrn()));
    callback(error, response);
  });
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getReplaceonchangesList(): string[];
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean | undefined;
  getAdditionalsecretoutputsList(): string[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

function recordOf(req: RegisterRequest, urn: string): RecordedResource {
  const serialized = req.getObject()?.toJavaScript() ?? {};
  const secretPaths: string[] = [];
  const inputs = decode(serialized, '', (path, value) => { secretPaths.push(path); return value; }) as Record<string, unknown>;
  const redactedInputs = decode(serialized, '', () => REDACTED) as Record<string, unknown>;
  // A dynamic resource carries its provider's code, serialized: too long to print, and not an input anyone sets.
  if (typeof redactedInputs.__provider === 'string') redactedInputs.__provider = `[serialized provider, ${redactedInputs.__provider.length} characters]`;
  const timeouts = req.getCustomtimeouts();
  return {
    type: req.getType(),
    name: req.getName(),
    urn,
    custom: req.getCustom(),
    parent: req.getParent(),
    provider: req.getProvider(),
    dependencies: req.getDependenciesList(),
    protect: req.getProtect() ?? false,
    customTimeouts: { create: timeouts?.getCreate() ?? '', update: timeouts?.getUpdate() ?? '', delete: timeouts?.getDelete() ?? '' },
    replaceOnChanges: req.getReplaceonchangesList(),
    retainOnDelete: req.getRetainondelete() ?? false,
    deleteBeforeReplace: req.getDeletebeforereplace() ?? false,
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    inputs,
    secretPaths,
    redactedInputs,
  };
}

/** The plain value of serialized inputs; `onSecret` decides what a secret becomes. */
function decode(value: unknown, path: string, onSecret: (path: string, value: unknown) => unknown): unknown {
  if (pulumi.runtime.isRpcSecret(value)) return onSecret(path, decode(pulumi.runtime.unwrapRpcSecret(value), path, onSecret));
  if (Array.isArray(value)) return value.map((item, i) => decode(item, `${path}[${i}]`, onSecret));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decode(item, path === '' ? key : `${path}.${key}`, onSecret)]));
  }
  return value;
}

/** The value of an Output (known under mocks, also in preview); rejects when the Output failed. */
export async function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  // The SDK's own accessors (internal in its typings): `apply` never sees a failure, and a
  // failed Output also rejects `isKnown` and `isSecret`, which must be handled too.
  const internal = output as unknown as { promise(): Promise<T>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
  const [value] = await Promise.allSettled([internal.promise(), internal.isKnown, internal.isSecret]);
  if (value.status === 'rejected') throw value.reason;
  return value.value;
}

/** The ownership key offline runs sign with: not secret, never the real one (which only the stack's config holds). */
export function offlineOwnershipKey(environment: string): string {
  return `offline-ownership-key-of-${environment}`.padEnd(44, '.');
}

/** A stack configuration with nothing real in it, for runs under mocks. */
export function offlineStackConfig(environment: string, unverifiedMarkers = false): StackConfig {
  return {
    unverifiedMarkers,
    kubeContext: 'offline',
    tailnetId: 'offline',
    tailscale: { kind: 'oauth-client', clientId: 'offline', clientSecret: pulumi.secret('offline') },
    policyOwnershipKey: pulumi.secret(offlineOwnershipKey(environment)),
  };
}

/**
 * The policy this commit leaves on `tailnet` once each of its environments deployed in
 * order, starting from `live` (by default an empty policy), signed with the offline keys:
 * what `preview-offline` assumes is live when given no copy of the live policy.
 */
export function policyFromCode(model: Model, tailnet: string, live = '', keyOf: (environment: string) => string = offlineOwnershipKey): string {
  const environments = model.environments.filter((e) => e.tailnet.tailnet === tailnet);
  // A test withheld while a peer's tags were undeclared is sent by the next round: repeat until no stack changes anything.
  let text = live;
  for (let round = 0; round <= environments.length; round++) {
    const before = text;
    for (const env of environments) text = planPolicyWrite(writeIntent(model, env), text, keyOf(env.name)).hujson;
    if (text === before) return text;
  }
  throw new Error(`The stacks of tailnet "${tailnet}" do not settle: each round of writes changes the policy again.`);
}

const unreachable = (): never => {
  throw new Error('Offline runs never reach the Tailscale API.');
};

/** The policy API, in memory: every write gets a new ETag, and a write with a stale one fails with 412. */
export class InMemoryPolicyApi implements PolicyApi {
  private version = 1;
  writes = 0;
  constructor(public text: string, private concurrentWriter?: (live: string) => string) {}

  async getPolicy(): Promise<LivePolicy> {
    return { hujson: this.text, etag: `v${this.version}` };
  }

  async setPolicy(hujson: string, etag: string): Promise<void> {
    if (this.concurrentWriter !== undefined) {
      const other = this.concurrentWriter;
      this.concurrentWriter = undefined;
      this.text = other(this.text);
      this.version++;
    }
    if (etag !== `v${this.version}`) throw new PreconditionFailed();
    this.text = hujson;
    this.version++;
    this.writes++;
  }
}
