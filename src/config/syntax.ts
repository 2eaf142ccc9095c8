/**
 * Syntax rules shared by configuration validation and the manifest checks. Each is a
 * predicate plus the human description used in error messages.
 */

/** RFC 1123 label: what Kubernetes wants of namespaces and most names, and a MagicDNS host. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
export const DNS_LABEL_MAX = 63;
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= DNS_LABEL_MAX && DNS_LABEL.test(value);
}
export const DNS_LABEL_RULE = 'one DNS label: lowercase letters, digits and "-", starting and ending alphanumeric, at most 63 characters';

/** Tailscale tag: `tag:` then a letter, then letters, digits or dashes. */
export const TAILSCALE_TAG = /^tag:[A-Za-z][A-Za-z0-9-]*$/;
export function isTailscaleTag(value: unknown): value is string {
  return typeof value === 'string' && TAILSCALE_TAG.test(value);
}
export const TAILSCALE_TAG_RULE = '"tag:" followed by a letter and then letters, digits or "-" (no spaces)';

/** A CI build tag: `sha-` and the commit's hex (tuist/tuist's workflows push `sha-<12 hex>`); immutable. */
const CI_BUILD_TAG = /^sha-[0-9a-f]{7,40}$/;
export function isCiBuildTag(tag: string): boolean {
  return CI_BUILD_TAG.test(tag);
}

/** Semantic version, optionally `v`-prefixed (semver.org, 2.0.0). */
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
export function isSemver(tag: string): boolean {
  return SEMVER.test(tag);
}
export function isDigest(tag: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(tag);
}

/**
 * A tag that names one build for good: a CI build tag, a semver release or a digest. Every
 * other tag (`latest`, `main`, `stable`, a branch name, a bare hex that may be a branch) can
 * move under the same name, so it is refused in every environment.
 */
export function isPinnedTag(tag: string): boolean {
  return isCiBuildTag(tag) || isSemver(tag) || isDigest(tag);
}
/** A tag that can move: anything not pinned. */
export function isFloatingTag(tag: string): boolean {
  return !isPinnedTag(tag);
}
export const PINNED_TAG_RULE = 'a CI build tag "sha-<7 to 40 lowercase hex>", a semver release such as "0.12.3", or an "sha256:<64 hex>" digest';

/** OCI distribution spec tag: a word character, then up to 127 of `[A-Za-z0-9._-]`. */
const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** An image tag or digest that a registry accepts (which ones a stage allows is validate.ts's rule). */
export function isImageTagSyntax(tag: string): boolean {
  return OCI_TAG.test(tag) || isDigest(tag);
}
export const IMAGE_TAG_RULE = 'a letter, digit or "_", then up to 127 letters, digits, ".", "_" or "-" (or an sha256: digest)';

/** A Kubernetes resource quantity in the forms we use: millicores, plain numbers, binary suffixes. */
const QUANTITY = /^(\d+(\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/;
const QUANTITY_FACTORS: Record<string, number> = { '': 1, m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
/** The quantity's value in base units, or undefined when it is not a quantity we accept. */
export function parseQuantity(value: string): number | undefined {
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * QUANTITY_FACTORS[match[3] ?? '']!;
}
