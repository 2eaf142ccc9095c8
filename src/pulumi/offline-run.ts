/**
 * Runs a stack program without an engine: `pulumi.runtime.setMocks` stands in for the
 * Pulumi CLI and the providers, and every registration is recorded as the engine would
 * receive it (parent, provider, dependencies, protection, timeouts, which inputs are
 * secrets). The tests and `preview-offline` both use it.
 */
import * as pulumi from '@pulumi/pulumi';
import { parsePolicyHujson } from '../tailnet/render';
import type { ResourceRecord } from './guard-rails';
import { RESOURCE_TYPES } from './guard-rails';
import { PULUMI_PROJECT, type StackConfig } from './stack-config';

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
  /** What another writer leaves live right after the stack writes the policy; by default what it wrote. */
  readonly livePolicyAfterWrite?: string;
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
}

/** Runs `program` under mocks and returns what it registered. One run at a time per process. */
export async function runOffline<T>(options: OfflineRunOptions, program: () => Promise<T>): Promise<OfflineRun<pulumi.Unwrap<T>>> {
  const resources: RecordedResource[] = [];
  const invokes: RecordedInvoke[] = [];
  let livePolicy = options.livePolicy;
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      if (args.type === RESOURCE_TYPES.acl) livePolicy = options.livePolicyAfterWrite ?? String(args.inputs.acl);
      return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs, options.now) } };
    },
    call: (args) => {
      invokes.push({ token: args.token, provider: args.provider ?? '' });
      if (args.token === INVOKE_TOKENS.getAcl) {
        return { hujson: livePolicy, json: JSON.stringify(parsePolicyHujson(livePolicy, 'live policy')), id: 'policy' };
      }
      throw new Error(`No offline stand-in for the invoke ${args.token}. Fix: add one to src/pulumi/offline-run.ts.`);
    },
  }, PULUMI_PROJECT, options.stack, options.preview);
  recordRegistrations(resources);

  try {
    const outputs = await resolved(pulumi.output(await program()));
    return { resources, invokes, outputs: outputs as pulumi.Unwrap<T> };
  } finally {
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

/** A stack configuration with nothing real in it, for runs under mocks. */
export function offlineStackConfig(): StackConfig {
  return {
    kubeContext: 'offline',
    tailnetId: 'offline',
    tailscaleOauthClientId: pulumi.secret('offline'),
    tailscaleOauthClientSecret: pulumi.secret('offline'),
    overwriteUnmanagedPolicy: false,
  };
}
