import { ENV_VARS } from './env-vars';

/**
 * Facts of the Tart VM image that other layers need: the tailnet policy's SSH rule and the
 * checks read them here; the image (vm/packer) creates the account.
 */

/**
 * The account the cluster's diagnostics SSH logs in as inside the VMs: created by the image
 * without sudo and with read access to the logs, and the only user the cluster tag's Tailscale
 * SSH `accept` rule names. The base image's `admin` has passwordless sudo, so it is never it.
 */
export const VM_DIAGNOSTICS_USER = 'tuist-diagnostics';

/**
 * Environment variables the VM's boot scripts read (vm/README.md, "Environment"), which the
 * xcresult Deployment sets: the names are ENV_VARS' (one definition), grouped for the VM.
 */
export const VM_ENV = {
  /** The VM's own tags, `tag:a,tag:b`; always set (an OAuth client secret needs them). */
  tags: ENV_VARS.tailscaleTags,
  /** `<hostname>=<tag>,…`: each name pinned only from the peer whose MagicDNS name it is, carrying that tag. */
  pinHosts: ENV_VARS.tailscalePinHosts,
  /** Tags whose peers are pinned under their own MagicDNS names (the cluster's other receivers). */
  peerTags: ENV_VARS.tailscalePeerTags,
  /** The release artifact, `<registry>/<repository>@sha256:<manifest digest>`, fetched at boot. */
  release: ENV_VARS.xcresultRelease,
} as const;

/** One name the VM pins into its hosts file, and the tag its holder must carry. */
export interface VmPin {
  readonly hostname: string;
  readonly tag: string;
}

/** The `TAILSCALE_PIN_HOSTS` value for `pins`, in the syntax vm/tailscale-up.sh accepts. */
export function pinHostsValue(pins: readonly VmPin[]): string {
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  const tag = /^tag:[A-Za-z][A-Za-z0-9-]*$/;
  for (const pin of pins) {
    if (!label.test(pin.hostname)) {
      throw new Error(`${VM_ENV.pinHosts}: hostname ${JSON.stringify(pin.hostname)} is not one lowercase DNS label; the VM pins only <label>.<MagicDNS suffix> names.`);
    }
    if (!tag.test(pin.tag)) {
      throw new Error(`${VM_ENV.pinHosts}: tag ${JSON.stringify(pin.tag)} of ${pin.hostname} is not "tag:" followed by a letter and then letters, digits or "-".`);
    }
  }
  if (pins.length === 0) throw new Error(`${VM_ENV.pinHosts}: no name to pin; the VM needs at least the pooler's hostname and its proxy's tag.`);
  return pins.map((p) => `${p.hostname}=${p.tag}`).join(',');
}
