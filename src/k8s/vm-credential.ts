import { Construct } from 'constructs';
import * as eso from '../../imports/eso-externalsecret-external-secrets.io';
import { COMPONENTS, VM_CREDENTIAL_KEY, componentLabels, objectNames } from '../config/names';
import type { EnvironmentConfig, VmCredentialConfig } from '../config/types';
import { secretStoreRef } from './secret-store';

export interface VmCredentialProps {
  readonly environment: EnvironmentConfig;
}

/**
 * The macOS-fleet Secret holding the credential a Tart VM joins the tailnet with
 * (`TAILSCALE_AUTH_KEY`). The Secret is referenced by name either way; who writes it depends
 * on the environment: an ExternalSecret synced from the vault (rendered here), or the
 * environment's Pulumi stack (nothing rendered here: the value never passes through cdk8s).
 */
export class VmCredential extends Construct {
  readonly secretName: string;
  readonly key = VM_CREDENTIAL_KEY;
  readonly kind: VmCredentialConfig['kind'];
  readonly delivery: VmCredentialConfig['delivery'];
  /** The ExternalSecret that syncs it, when the vault delivers it. */
  readonly resource: eso.ExternalSecret | undefined;

  constructor(scope: Construct, id: string, props: VmCredentialProps) {
    super(scope, id);
    const env = props.environment;
    const credential = env.vmCredential;
    this.secretName = objectNames(env).vmCredentialSecret;
    this.kind = credential.kind;
    this.delivery = credential.delivery;

    if (credential.delivery === 'external-secret') {
      this.resource = new eso.ExternalSecret(this, 'Resource', {
        metadata: { name: this.secretName, labels: componentLabels(env, COMPONENTS.vmCredential) },
        spec: {
          refreshInterval: credential.refreshInterval,
          secretStoreRef: secretStoreRef(credential.store),
          target: { name: this.secretName, creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER },
          data: [{ secretKey: this.key, remoteRef: { key: credential.remoteRef.key, property: credential.remoteRef.property } }],
        },
      });
    }
  }
}
