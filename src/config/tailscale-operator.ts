/** Facts of the Tailscale Kubernetes operator release the cluster runs (1.102). */

/** Annotations the Tailscale operator reads on a Service to front it with a tailnet proxy. */
export const TAILSCALE_ANNOTATIONS = {
  expose: 'tailscale.com/expose',
  hostname: 'tailscale.com/hostname',
  tags: 'tailscale.com/tags',
} as const;
