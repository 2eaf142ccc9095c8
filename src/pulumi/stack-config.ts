/**
 * A stack's configuration: only what the typed environment cannot say. The environment
 * itself comes from the stack's name (see stack-environment.ts).
 */
import * as pulumi from '@pulumi/pulumi';
import { MIN_KEY_LENGTH } from './policy-marker';

/** The Pulumi project (`name` in Pulumi.yaml); the namespace of every config key below. */
export const PULUMI_PROJECT = 'tuist-tailnet-pooler';

/** Config keys, as `pulumi config set <key>` spells them inside the project's namespace. */
export const STACK_CONFIG_KEYS = {
  kubeContext: 'kubeContext',
  tailnetId: 'tailnetId',
  tailscaleClientId: 'tailscaleClientId',
  tailscaleOauthClientSecret: 'tailscaleOauthClientSecret',
  policyOwnershipKey: 'policyOwnershipKey',
} as const;

/**
 * The environment variable the deploy workflow puts the GitHub Actions OIDC token in (shared
 * convention with .github/workflows). The Tailscale provider and the policy writer read it at
 * run time; it is never a config value, an input or state.
 */
export const IDENTITY_TOKEN_VARIABLE = 'TAILSCALE_IDENTITY_TOKEN';

/**
 * How the stack authenticates to Tailscale. In CI: workload identity federation, the
 * federated identity's client ID plus the workflow's OIDC token (nothing long-lived). On a
 * person's machine: an OAuth client's ID and secret (a stack secret).
 */
export type TailscaleAuth =
  | { readonly kind: 'federated'; readonly clientId: string; readonly tokenVariable: string }
  | { readonly kind: 'oauth-client'; readonly clientId: string; readonly clientSecret: pulumi.Output<string> };

export interface StackConfig {
  /** kubeconfig context of the cluster holding the environment's namespace; never the ambient current context. */
  readonly kubeContext: string;
  /** ID of the Tailscale tailnet the environment lives on (admin console → Settings → General). */
  readonly tailnetId: string;
  readonly tailscale: TailscaleAuth;
  /** Keys this environment's ownership marker in the tailnet policy (policy-marker.ts); always a Pulumi secret. */
  readonly policyOwnershipKey: pulumi.Output<string>;
  /** Offline previews of a copy of a live policy only: read markers without their MAC (no real key offline). */
  readonly unverifiedMarkers?: boolean;
}

export class StackConfigError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'StackConfigError';
  }
}

/**
 * Reads the current stack's configuration; a missing key fails with the `pulumi config set`
 * command that fixes it. `env` is the process environment (the federated token's presence
 * decides the authentication).
 */
export function readStackConfig(config: pulumi.Config = new pulumi.Config(PULUMI_PROJECT), env: NodeJS.ProcessEnv = process.env): StackConfig {
  const stack = pulumi.getStack();
  const clientId = config.require(STACK_CONFIG_KEYS.tailscaleClientId);
  const secret = config.getSecret(STACK_CONFIG_KEYS.tailscaleOauthClientSecret);
  const federated = (env[IDENTITY_TOKEN_VARIABLE] ?? '') !== '';
  let tailscale: TailscaleAuth;
  if (federated) tailscale = { kind: 'federated', clientId, tokenVariable: IDENTITY_TOKEN_VARIABLE };
  else if (secret !== undefined) tailscale = { kind: 'oauth-client', clientId, clientSecret: secret };
  else {
    throw new StackConfigError(
      `Stack "${stack}" has no Tailscale credential: neither ${IDENTITY_TOKEN_VARIABLE} (CI: the workflow's GitHub OIDC token, exchanged through the federated identity ${JSON.stringify(clientId)}) ` +
      `nor the stack secret ${STACK_CONFIG_KEYS.tailscaleOauthClientSecret} (a person's machine) is set. ` +
      `Fix: in CI, request an OIDC token (permissions: id-token: write) and export it as ${IDENTITY_TOKEN_VARIABLE}; on your machine, \`pulumi config set --secret ${STACK_CONFIG_KEYS.tailscaleOauthClientSecret} <secret> --stack ${stack}\`.`,
    );
  }
  const policyOwnershipKey = config.getSecret(STACK_CONFIG_KEYS.policyOwnershipKey);
  if (policyOwnershipKey === undefined) {
    throw new StackConfigError(
      `Stack "${stack}" has no ${STACK_CONFIG_KEYS.policyOwnershipKey}: the secret that signs which tailnet policy entries the stack owns. ` +
      `Fix (once per stack, keep it for the stack's life): pulumi config set --secret ${STACK_CONFIG_KEYS.policyOwnershipKey} "$(openssl rand -base64 32)" --stack ${stack}  (at least ${MIN_KEY_LENGTH} characters).`,
    );
  }
  return {
    kubeContext: config.require(STACK_CONFIG_KEYS.kubeContext),
    tailnetId: config.require(STACK_CONFIG_KEYS.tailnetId),
    tailscale,
    policyOwnershipKey,
  };
}
