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

/** Image tags that move: never deployable anywhere. */
export const FLOATING_TAGS: ReadonlySet<string> = new Set(['', 'latest', 'main', 'master', 'stable', 'edge', 'nightly', 'dev', 'head']);
export function isFloatingTag(tag: string): boolean {
  return FLOATING_TAGS.has(tag.trim().toLowerCase());
}

/** Semantic version, optionally `v`-prefixed (semver.org, 2.0.0). */
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
export function isSemver(tag: string): boolean {
  return SEMVER.test(tag);
}
export function isDigest(tag: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(tag);
}

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
