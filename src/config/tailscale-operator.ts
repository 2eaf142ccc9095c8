/**
 * Facts of the Tailscale Kubernetes operator release the cluster runs. The rules the checks
 * port (src/checks/admission/tailscale-operator.ts) come from this release's sources:
 * cmd/k8s-operator/svc.go (validateService, shouldExpose…), ingress-for-pg.go (tagViolations),
 * sts.go (nameForService, the annotation names), util/dnsname/dnsname.go (ValidLabel),
 * tailcfg/tailcfg.go (CheckTag). To upgrade, change TAILSCALE_OPERATOR_RELEASE and compare
 * those files at the new tag.
 */
export const TAILSCALE_OPERATOR_RELEASE = {
  version: '1.102.3',
  tag: 'v1.102.3',
  commit: '53a0d659afa51835dd7a9283873cca44261454f8',
} as const;

/** Annotations the Tailscale operator reads on a Service to front it with a tailnet proxy. */
export const TAILSCALE_ANNOTATIONS = {
  expose: 'tailscale.com/expose',
  hostname: 'tailscale.com/hostname',
  tags: 'tailscale.com/tags',
} as const;

/** The only `tailscale.com/expose` value the operator honours (svc.go hasExposeAnnotation: `== "true"`). */
export const EXPOSE_VALUE = 'true';

/** A `LoadBalancer` Service of this class is exposed with or without the annotation (svc.go isTailscaleLoadBalancerService). */
export const TAILSCALE_LOAD_BALANCER_CLASS = 'tailscale';

/**
 * Whether the operator also takes `LoadBalancer` Services without a class
 * (`OPERATOR_DEFAULT_LOAD_BALANCER`, operator.go, default false). The cluster runs the default.
 */
export const OPERATOR_IS_DEFAULT_LOAD_BALANCER = false;
