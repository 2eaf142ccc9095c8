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
 */
export function createProviders(env: EnvironmentConfig, config: StackConfig): StackProviders {
  return {
    tailscale: new tailscale.Provider(`tailscale-${env.tailnet.tailnet}`, {
      tailnet: config.tailnetId,
      oauthClientId: config.tailscaleOauthClientId,
      oauthClientSecret: config.tailscaleOauthClientSecret,
    }),
    kubernetes: new k8s.Provider(`kubernetes-${env.name}`, { context: config.kubeContext }),
  };
}
