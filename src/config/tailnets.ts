/**
 * The tailnets environments live on. A tailnet has exactly one policy document, holding
 * people-owned entries (src/config/tailnet-people/<name>.hujson is their committed snapshot)
 * and one fragment per environment on it. All three environments share one tailnet, as in
 * reality (../shared/REFERENCE.md).
 */
export interface TailnetConfig {
  /** Key environments refer to (`EnvironmentConfig.tailnet.tailnet`); names the policy file. */
  readonly name: string;
  /**
   * The login domains of the tailnet's users (`someone@<domain>`). A user of any other domain
   * named in a group, grant, SSH rule or tag owner is a finding: it is either a typo or a
   * person outside the organisation being handed access.
   */
  readonly userDomains: readonly string[];
  /**
   * Who owns the environments' own tags in `tagOwners` (the live policy: `autogroup:admin`;
   * the tailnet has no groups).
   */
  readonly tagAdmins: readonly string[];
  /**
   * Tag of the OAuth client (or federated identity) Pulumi deploys with. It mints every
   * environment's VM credential, so it owns their VM tags: Tailscale only mints keys for tags
   * the client's own tags own.
   */
  readonly deployerTag: string;
  /**
   * Whether a people-owned rule that opens a path between two environments blocks every stack's
   * update. False: such a rule (the live catch-all) is reported on every run but, since no stack
   * may remove it, it does not stop a stack from updating its own fragment.
   */
  readonly enforceIsolation: boolean;
}

export const TAILNETS: readonly TailnetConfig[] = [
  {
    name: 'tuist',
    userDomains: ['tuist.dev'],
    tagAdmins: ['autogroup:admin'],
    deployerTag: 'tag:tuist-deployer',
    enforceIsolation: false,
  },
];
