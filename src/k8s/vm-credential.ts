import { Construct } from 'constructs';
import { VM_CREDENTIAL_KEY, objectNames, vmCredentialTags } from '../config/names';
import type { EnvironmentConfig, VmCredentialConfig } from '../config/types';

export interface VmCredentialProps {
  readonly environment: EnvironmentConfig;
}

/** OAuth scope that lets a VM mint its own key from the client secret (`tailscale up --auth-key=tskey-client-…`). */
export const VM_OAUTH_SCOPES: readonly string[] = ['auth_keys'];

/**
 * Pod-template annotation of the xcresult Deployment naming the credential's generation. When
 * a configuration change replaces the credential (another kind, other tags or scopes), the
 * annotation changes with it, so the Deployment rolls onto the new Secret value, and Pulumi,
 * which deletes replaced and removed resources only after every update (the awaited rollout
 * included), revokes the old credential only then (docs/vm-credentials.md).
 */
export const VM_CREDENTIAL_ANNOTATION = 'tuist.dev/vm-credential-generation';

/**
 * What identifies the credential, without its value or the clock: changes exactly when the
 * stack must mint a credential the running VMs do not hold. An auth key's renewals are not in
 * it: a renewed key's predecessor stays valid until its own expiry (it is retained, not revoked).
 */
export function vmCredentialGeneration(env: EnvironmentConfig): string {
  const credential: VmCredentialConfig = env.vmCredential;
  const tags = `tags=${vmCredentialTags(env).join(',')}`;
  return credential.kind === 'oauth-client' ? `oauth-client ${tags} scopes=${VM_OAUTH_SCOPES.join(',')}` : `auth-key ${tags}`;
}

/**
 * The macOS-fleet Secret holding the credential a Tart VM joins the tailnet with
 * (`TAILSCALE_AUTH_KEY`). The environment's Pulumi stack mints the credential and writes the
 * Secret (src/pulumi/minted-vm-credential.ts); nothing is rendered here, so the value never
 * passes through cdk8s or dist/. The Deployment references the Secret by this name and key.
 */
export class VmCredential extends Construct {
  readonly secretName: string;
  readonly key = VM_CREDENTIAL_KEY;
  readonly kind: VmCredentialConfig['kind'];
  /** For the pod template of every workload reading the Secret: rolls it when the credential is replaced. */
  readonly podAnnotations: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: VmCredentialProps) {
    super(scope, id);
    this.secretName = objectNames(props.environment).vmCredentialSecret;
    this.kind = props.environment.vmCredential.kind;
    this.podAnnotations = { [VM_CREDENTIAL_ANNOTATION]: vmCredentialGeneration(props.environment) };
  }
}
