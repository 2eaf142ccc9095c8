/**
 * The tailnets environments live on. A tailnet has exactly one policy document; several
 * environments may share one (canary and production do).
 */
export interface TailnetConfig {
  /** Key environments refer to (`EnvironmentConfig.tailnet.tailnet`); names the policy file. */
  readonly name: string;
  /** People who administer the tailnet; they own every tag (`group:<name>`). */
  readonly admins: { readonly group: string; readonly members: readonly string[] };
  /** Operators who may SSH into the VMs as `admin` for diagnostics. */
  readonly operations: { readonly group: string; readonly members: readonly string[] };
  /**
   * Tag of the OAuth client Pulumi deploys with. It mints every environment's VM credential,
   * so it owns their VM tags: Tailscale only mints keys for tags the client's own tags own.
   */
  readonly deployerTag: string;
}

export const TAILNETS: readonly TailnetConfig[] = [
  {
    name: 'tuist-staging',
    admins: { group: 'group:tuist-admins', members: ['platform@tuist.dev'] },
    operations: { group: 'group:tuist-ops', members: ['oncall@tuist.dev'] },
    deployerTag: 'tag:tuist-deployer',
  },
  {
    name: 'tuist',
    admins: { group: 'group:tuist-admins', members: ['platform@tuist.dev'] },
    operations: { group: 'group:tuist-ops', members: ['oncall@tuist.dev'] },
    deployerTag: 'tag:tuist-deployer',
  },
];
