/**
 * The resource that writes an environment's entries into its tailnet's policy: a Pulumi
 * dynamic provider around the typed API client (tailscale-api.ts), because the provider's
 * `Acl` resource replaces the whole document without `If-Match`, so two stacks that read and
 * then write silently drop the first writer's change.
 *
 * create/update: read (ETag), plan against that very text (policy-writer.ts), write with
 * `If-Match`; on 412 plan again from the newer text; read back and confirm. delete: nothing
 * (the entries stay and the policy is never reset or opened). The functions are plain and
 * take their `fetch` and environment, so tests run them against a fake API.
 */
import * as pulumi from '@pulumi/pulumi';
import { canonicalJson } from '../tailnet/attribution';
import { RESOURCE_TYPES } from './guard-rails';
import { type PolicyWrite, PolicyWriteError, type WriteIntent, planPolicyWrite } from './policy-writer';
import { type ApiCredentials, type Fetch, type OAuthClientCredentials, type PolicyApi, TailscaleApi, TailscaleApiError, readModifyWrite } from './tailscale-api';

/**
 * How the provider authenticates: a federated identity's token is read from its variable when
 * the provider runs, never stored; an OAuth client is passed to the API as it is.
 */
export type ProviderAuth =
  | { readonly kind: 'federated'; readonly clientId: string; readonly tokenVariable: string }
  | OAuthClientCredentials;

export interface PolicyDocumentInputs {
  /** The tailnet's ID, as the API names it. */
  readonly tailnetId: string;
  readonly intent: WriteIntent;
  /** The document the preview planned (shown in the diff); the write plans again against the newest live text. */
  readonly planned: string;
  /** Whether the preview's plan writes anything: the resource updates only then (or when the intent changes). */
  readonly pending: boolean;
  /** Secret. */
  readonly ownershipKey: string;
  /** Secret when it holds an OAuth client secret. */
  readonly auth: ProviderAuth;
}

export interface PolicyDocumentOutputs extends PolicyDocumentInputs {
  /** The revision of this environment's marker after the write. */
  readonly revision: number;
  /** How often the write was recomputed because another writer came first. */
  readonly retries: number;
}

export interface ProviderDeps {
  readonly fetch: Fetch;
  readonly env: NodeJS.ProcessEnv;
  /** Replaces the API client (tests). */
  readonly api?: (inputs: PolicyDocumentInputs, credentials: () => ApiCredentials) => PolicyApi;
  /** Offline previews only (see PlanOptions.unverifiedMarkers). */
  readonly unverifiedMarkers?: boolean;
}

export function credentialsOf(auth: ProviderAuth, env: NodeJS.ProcessEnv): ApiCredentials {
  if (auth.kind === 'oauth-client') return auth;
  const idToken = env[auth.tokenVariable];
  if (idToken === undefined || idToken === '') {
    throw new TailscaleApiError(`The policy writer authenticates with the federated identity ${JSON.stringify(auth.clientId)}, but ${auth.tokenVariable} is empty. Fix: the deploy workflow requests a GitHub OIDC token (permissions: id-token: write) and exports it as ${auth.tokenVariable}.`);
  }
  return { kind: 'federated', clientId: auth.clientId, idToken };
}

/** The provider's operations, as plain functions. */
export function policyDocumentProvider(deps: ProviderDeps) {
  const apiFor = (inputs: PolicyDocumentInputs): PolicyApi => {
    const credentials = (): ApiCredentials => credentialsOf(inputs.auth, deps.env);
    return deps.api?.(inputs, credentials) ?? new TailscaleApi({ tailnet: inputs.tailnetId, credentials: credentials(), fetch: deps.fetch });
  };
  const write = async (inputs: PolicyDocumentInputs, lastRevision: number | undefined): Promise<PolicyDocumentOutputs> => {
    const options = { ...(lastRevision === undefined ? {} : { lastRevision }), ...(deps.unverifiedMarkers === true ? { unverifiedMarkers: true } : {}) };
    const plan = (live: string): PolicyWrite => planPolicyWrite(inputs.intent, live, inputs.ownershipKey, options);
    const outcome = await readModifyWrite(apiFor(inputs), plan, (written, after) => verifyWritten(inputs, written, after, deps.unverifiedMarkers === true));
    return { ...inputs, revision: outcome.plan.marker.revision, retries: outcome.retries };
  };
  return {
    async diff(_id: string, olds: PolicyDocumentOutputs, news: PolicyDocumentInputs): Promise<pulumi.dynamic.DiffResult> {
      // People's console edits change the live text, hence `planned`, but need no write of ours.
      const same = !news.pending && olds.tailnetId === news.tailnetId && canonicalJson(olds.intent) === canonicalJson(news.intent);
      return { changes: !same, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: PolicyDocumentInputs): Promise<pulumi.dynamic.CreateResult<PolicyDocumentOutputs>> {
      return { id: `${inputs.tailnetId}/${inputs.intent.environment}`, outs: await write(inputs, undefined) };
    },
    async update(_id: string, olds: PolicyDocumentOutputs, news: PolicyDocumentInputs): Promise<pulumi.dynamic.UpdateResult<PolicyDocumentOutputs>> {
      return { outs: await write(news, olds.revision) };
    },
    /** Leaves the document as it is: destroying a stack never resets or opens the tailnet. */
    async delete(): Promise<void> {},
  };
}

/** After writing: the live text, re-planned, must need no write from us (ours intact, whoever wrote since). */
export function verifyWritten(inputs: PolicyDocumentInputs, written: PolicyWrite, after: string, unverifiedMarkers = false): void {
  let again: PolicyWrite;
  try {
    again = planPolicyWrite(inputs.intent, after, inputs.ownershipKey, { lastRevision: written.marker.revision, unverifiedMarkers });
  } catch (error) {
    throw new PolicyWriteError(`Right after stack "${inputs.intent.environment}" wrote revision ${written.marker.revision}, the policy of tailnet "${inputs.intent.tailnet}" no longer holds it intact: ${(error as Error).message}`);
  }
  if (again.changed) {
    throw new PolicyWriteError(`Right after stack "${inputs.intent.environment}" wrote revision ${written.marker.revision}, the policy of tailnet "${inputs.intent.tailnet}" lacks some of its entries (another writer replaced them). Fix: run \`pulumi up --stack ${inputs.intent.environment}\` again.`);
  }
}

/** The type token the engine and the guard rails see. */
export const POLICY_DOCUMENT_TYPE = RESOURCE_TYPES.policyDocument;

/** The provider as the engine runs it: real `fetch`, the process's environment at run time (nothing captured). */
const engineProvider: pulumi.dynamic.ResourceProvider = {
  diff: (id, olds, news) => policyDocumentProvider({ fetch: globalThis.fetch as unknown as Fetch, env: require('process').env }).diff(id, olds, news),
  create: (inputs) => policyDocumentProvider({ fetch: globalThis.fetch as unknown as Fetch, env: require('process').env }).create(inputs),
  update: (id, olds, news) => policyDocumentProvider({ fetch: globalThis.fetch as unknown as Fetch, env: require('process').env }).update(id, olds, news),
  delete: () => policyDocumentProvider({ fetch: globalThis.fetch as unknown as Fetch, env: require('process').env }).delete(),
};

export type PolicyDocumentArgs = { readonly [K in keyof PolicyDocumentInputs]: pulumi.Input<PolicyDocumentInputs[K]> };

/** One environment's entries in its tailnet's policy, written with `If-Match`. */
export class PolicyDocument extends pulumi.dynamic.Resource {
  declare readonly revision: pulumi.Output<number>;
  constructor(name: string, args: PolicyDocumentArgs, opts?: pulumi.CustomResourceOptions) {
    super(engineProvider, name, { ...args, revision: undefined, retries: undefined }, {
      ...opts,
      additionalSecretOutputs: ['ownershipKey', 'auth'],
    }, 'tailnet', 'PolicyDocument');
  }
}
