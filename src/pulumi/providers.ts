import * as k8s from '@pulumi/kubernetes';
import * as tailscale from '@pulumi/tailscale';
import type { EnvironmentConfig } from '../config/types';
import type { StackConfig } from './stack-config';

export interface StackProviders {
  readonly tailscale: tailscale.Provider;
  readonly kubernetes: k8s.Provider;
}

/**
 * Explicit providers from the stack's configuration, so nothing falls back to whatever
 * tailnet or cluster the ambient credentials or kubeconfig happen to point at.
 *
 * Federated: `oauthClientId` is the federated identity's client ID and the provider reads
 * the OIDC token from the named environment variable when it runs
 * (`identityTokenEnvironmentVariableName`, @pulumi/tailscale ≥ 0.26, provider.d.ts), so the
 * short-lived token is never an input and never in state.
 */
export function createProviders(env: EnvironmentConfig, config: StackConfig): StackProviders {
  const auth = config.tailscale;
  return {
    tailscale: new tailscale.Provider(`tailscale-${env.tailnet.tailnet}`, {
      tailnet: config.tailnetId,
      oauthClientId: auth.clientId,
      ...(auth.kind === 'federated'
        ? { identityTokenEnvironmentVariableName: auth.tokenVariable }
        : { oauthClientSecret: auth.clientSecret }),
    }),
    kubernetes: new k8s.Provider(`kubernetes-${env.name}`, { context: config.kubeContext }),
  };
}
