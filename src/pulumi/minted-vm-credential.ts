import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as tailscale from '@pulumi/tailscale';
import { COMPONENTS, componentLabels, vmCredentialTags } from '../config/names';
import type { EnvironmentConfig, VmCredentialConfig } from '../config/types';
import { VM_OAUTH_SCOPES } from '../k8s/vm-credential';
import { DAY_MS, NEVER, rotationWindow } from './credential-rotation';

export { VM_OAUTH_SCOPES };

/** Longest description the Tailscale API accepts on a key or an OAuth client. */
export const CREDENTIAL_DESCRIPTION_MAX = 50;

export interface MintedVmCredentialArgs {
  readonly environment: EnvironmentConfig;
  readonly credential: VmCredentialConfig;
  /** The Secret the xcresult-processor Deployment reads: name and key from the synthesized chart. */
  readonly secret: { readonly name: string; readonly key: string };
  /** The clock, which picks the key's renewal window. */
  readonly now: Date;
  /** The policy that owns the VM tag (tagOwners): Tailscale refuses to mint for a tag nobody owns. */
  readonly tagPolicy: pulumi.Resource;
  readonly tailscaleProvider: tailscale.Provider;
  readonly kubernetesProvider: k8s.Provider;
}

/**
 * What the stack exports about its VM credential (never its value): what the scheduled
 * renewal reads (src/pulumi/credential-rotation.ts, .github/workflows/credentials.yml).
 */
export interface CredentialStatus {
  readonly kind: VmCredentialConfig['kind'];
  readonly tags: readonly string[];
  /** RFC 3339, or "never" (an OAuth client's secret does not expire). */
  readonly expiresAt: string;
  /** From this moment on the scheduled workflow (or any `pulumi up`) renews the key; "never" when nothing renews. */
  readonly nextRenewal: string;
  /** URN of the credential resource: the scheduled renewal runs `pulumi up --target <it> --target-dependents`. */
  readonly urn: string;
  /** The Secret the credential is delivered to, `<namespace>/<name>`, and its key. */
  readonly deliveredTo: { readonly secretName: string; readonly key: string };
}

/**
 * The credential a Tart VM joins the tailnet with, minted by Tailscale and delivered as the
 * Secret the xcresult-processor Deployment references. The value only ever travels as a
 * Pulumi secret: never through cdk8s, dist/, logs, outputs or plaintext state.
 *
 * Replacement never leaves the VMs without a valid credential (docs/vm-credentials.md):
 * the Secret is one resource whatever the kind (updated in place, never deleted and re-created),
 * a replacement is created before its predecessor is deleted (`deleteBeforeReplace: false`), and
 * Pulumi deletes replaced or removed resources only after every create and update of the run,
 * including the Deployment's awaited rollout (pulumi/pulumi#9979). Replaced keys are retained and
 * expire on their own; an OAuth client never expires, so it is revoked, after that rollout.
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
    const deliveredTo = { secretName: `${env.namespace}/${args.secret.name}`, key: args.secret.key };
    // Every input change mints a new credential, created before the old one is deleted; its
    // value is a secret output (encrypted in the state, "[secret]" in every preview).
    const replacement = { replaceOnChanges: ['*'], deleteBeforeReplace: false, additionalSecretOutputs: ['key'] };

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
        ...replacement,
        // A renewed (or switched-away-from) key stays valid until its own expiry, at least
        // rotateBeforeExpiryDays away: a VM whose Pod read the old value can still join.
        retainOnDelete: true,
      });
      this.credential = key;
      value = key.key;
      this.status = pulumi.all([key.expiresAt, key.urn]).apply(([expiresAt, urn]) => ({
        kind: 'auth-key' as const, tags, expiresAt, nextRenewal: window.endsAt.toISOString(), urn, deliveredTo,
      }));
    } else {
      const client = new tailscale.OauthClient(`${name}-oauth-client`, {
        description: credentialDescription(env, 'vm-joins'),
        scopes: [...VM_OAUTH_SCOPES],
        tags,
      }, { ...children, ...replacement });
      this.credential = client;
      value = client.key;
      this.status = client.urn.apply((urn) => ({ kind: 'oauth-client' as const, tags, expiresAt: NEVER, nextRenewal: NEVER, urn, deliveredTo }));
    }

    // One resource name whatever the kind, so switching kinds updates the Secret in place.
    this.secret = new k8s.core.v1.Secret(`${name}-secret`, {
      metadata: { name: args.secret.name, namespace: env.namespace, labels: componentLabels(env, COMPONENTS.vmCredential) },
      type: 'Opaque',
      stringData: { [args.secret.key]: pulumi.secret(value) },
    }, { parent: this, provider: args.kubernetesProvider, deleteBeforeReplace: false });

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
