/**
 * A stack's configuration: only what the typed environment cannot say. The environment
 * itself comes from the stack's name (see stack-environment.ts).
 */
import * as pulumi from '@pulumi/pulumi';

/** The Pulumi project (`name` in Pulumi.yaml); the namespace of every config key below. */
export const PULUMI_PROJECT = 'tuist-tailnet-pooler';

/** Config keys, as `pulumi config set <key>` spells them inside the project's namespace. */
export const STACK_CONFIG_KEYS = {
  kubeContext: 'kubeContext',
  tailnetId: 'tailnetId',
  tailscaleOauthClientId: 'tailscaleOauthClientId',
  tailscaleOauthClientSecret: 'tailscaleOauthClientSecret',
  overwriteUnmanagedPolicy: 'overwriteUnmanagedPolicy',
} as const;

export interface StackConfig {
  /** kubeconfig context of the cluster holding the environment's namespace; never the ambient current context. */
  readonly kubeContext: string;
  /** ID of the Tailscale tailnet the environment lives on (admin console → Settings → General). */
  readonly tailnetId: string;
  /** The deployer's Tailscale OAuth client: OAuth clients never expire, unlike API access tokens. */
  readonly tailscaleOauthClientId: pulumi.Output<string>;
  /** Its secret, always a Pulumi secret. */
  readonly tailscaleOauthClientSecret: pulumi.Output<string>;
  /**
   * Let one `up` write over a live policy this project did not write (hand-written, or edited
   * in the admin console), after review. False unless set; remove it after that `up`.
   */
  readonly overwriteUnmanagedPolicy: boolean;
}

/** Reads the current stack's configuration; a missing key fails with the `pulumi config set` command that fixes it. */
export function readStackConfig(config: pulumi.Config = new pulumi.Config(PULUMI_PROJECT)): StackConfig {
  return {
    kubeContext: config.require(STACK_CONFIG_KEYS.kubeContext),
    tailnetId: config.require(STACK_CONFIG_KEYS.tailnetId),
    tailscaleOauthClientId: config.requireSecret(STACK_CONFIG_KEYS.tailscaleOauthClientId),
    tailscaleOauthClientSecret: config.requireSecret(STACK_CONFIG_KEYS.tailscaleOauthClientSecret),
    overwriteUnmanagedPolicy: config.getBoolean(STACK_CONFIG_KEYS.overwriteUnmanagedPolicy) ?? false,
  };
}
