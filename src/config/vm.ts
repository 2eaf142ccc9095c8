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
