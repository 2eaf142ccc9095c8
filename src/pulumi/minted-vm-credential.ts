import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as tailscale from '@pulumi/tailscale';
import { COMPONENTS, componentLabels, vmCredentialTags } from '../config/names';
import type { EnvironmentConfig, VmCredentialConfig } from '../config/types';
import { DAY_MS, rotationWindow } from './credential-rotation';

/** A credential this stack mints itself (the vault-synced one is an ExternalSecret in the manifests). */
export type MintedCredentialConfig = Extract<VmCredentialConfig, { delivery: 'pulumi' }>;

/** Longest description the Tailscale API accepts on a key or an OAuth client. */
export const CREDENTIAL_DESCRIPTION_MAX = 50;

/** OAuth scope that lets a VM mint its own key from the client secret (`tailscale up --auth-key=tskey-client-…`). */
export const VM_OAUTH_SCOPES: readonly string[] = ['auth_keys'];

export interface MintedVmCredentialArgs {
  readonly environment: EnvironmentConfig;
  readonly credential: MintedCredentialConfig;
  /** The Secret the xcresult-processor Deployment reads: name and key from the synthesized chart. */
  readonly secret: { readonly name: string; readonly key: string };
  /** The clock, which picks the key's rotation window. */
  readonly now: Date;
  /** The policy that owns the VM tag (tagOwners): Tailscale refuses to mint for a tag nobody owns. */
  readonly tagPolicy: pulumi.Resource;
  readonly tailscaleProvider: tailscale.Provider;
  readonly kubernetesProvider: k8s.Provider;
}

/** What the stack exports about the credential, so a scheduled check can fail on an approaching expiry. */
export interface CredentialStatus {
  readonly kind: MintedCredentialConfig['kind'];
  readonly tags: readonly string[];
  /** RFC 3339; null for an OAuth client, which never expires. */
  readonly expiresAt: string | null;
  /** From this moment on, any `pulumi up` mints a replacement; null when nothing rotates. */
  readonly rotatesFrom: string | null;
}

/**
 * The credential a Tart VM joins the tailnet with, minted by Tailscale and delivered as the
 * Secret the xcresult-processor Deployment references. The value only ever travels as a
 * Pulumi secret: never through cdk8s, dist/, logs or plaintext state.
 */
export class MintedVmCredential extends pulumi.ComponentResource {
  static readonly TYPE = 'tuist:tailnet:MintedVmCredential';
  /** The TailnetKey or OauthClient. */
  readonly credential: tailscale.TailnetKey | tailscale.OauthClient;
  readonly secret: k8s.core.v1.Secret;
  readonly status: pulumi.Output<CredentialStatus>;

  constructor(name: string, args: MintedVmCredentialArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MintedVmCredential.TYPE, name, {}, opts);
    const env = args.environment;
    const tags = [...vmCredentialTags(env)];
    const children = { parent: this, provider: args.tailscaleProvider, dependsOn: [args.tagPolicy] };

    let value: pulumi.Output<string>;
    if (args.credential.kind === 'auth-key') {
      const window = rotationWindow(args.credential, args.now);
      const key = new tailscale.TailnetKey(`${name}-auth-key`, {
        description: credentialDescription(env, `rotation-${window.index}`),
        tags,
        reusable: true,
        preauthorized: true,
        // Each roll boots a new VM that registers as a new device; ephemeral ones leave no
        // dead device behind, as the OAuth path's `?ephemeral=true` does (vm/tailscale-up.sh).
        ephemeral: true,
        expiry: args.credential.expiryDays * (DAY_MS / 1000),
        // Only takes effect because Pulumi.yaml refreshes before every preview and update.
        recreateIfInvalid: 'always',
      }, {
        ...children,
        // A new window (description) must mint a new key, whatever the provider's schema
        // says; the replacement is created before the old key is deleted.
        replaceOnChanges: ['*'],
      });
      this.credential = key;
      value = key.key;
      this.status = key.expiresAt.apply((expiresAt) => ({
        kind: 'auth-key' as const, tags, expiresAt, rotatesFrom: window.endsAt.toISOString(),
      }));
    } else {
      const client = new tailscale.OauthClient(`${name}-oauth-client`, {
        description: credentialDescription(env, 'vm-joins'),
        scopes: [...VM_OAUTH_SCOPES],
        tags,
      }, children);
      this.credential = client;
      value = client.key;
      this.status = pulumi.output({ kind: 'oauth-client' as const, tags, expiresAt: null, rotatesFrom: null });
    }

    this.secret = new k8s.core.v1.Secret(`${name}-secret`, {
      metadata: { name: args.secret.name, namespace: env.namespace, labels: componentLabels(env, COMPONENTS.vmCredential) },
      type: 'Opaque',
      stringData: { [args.secret.key]: pulumi.secret(value) },
    }, { parent: this, provider: args.kubernetesProvider });

    this.registerOutputs({ status: this.status });
  }
}

/** `<vm tag without "tag:">-<purpose>`: says in the admin console which environment a key is for. */
export function credentialDescription(env: EnvironmentConfig, purpose: string): string {
  const description = `${env.tailnet.vmTag.replace(/^tag:/, '')}-${purpose}`;
  if (description.length > CREDENTIAL_DESCRIPTION_MAX) {
    throw new Error(
      `environment "${env.name}": the VM credential's description "${description}" has ${description.length} characters; ` +
      `Tailscale accepts at most ${CREDENTIAL_DESCRIPTION_MAX}. Fix: shorten tailnet.vmTag.`,
    );
  }
  return description;
}
