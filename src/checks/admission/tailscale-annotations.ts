/**
 * What the Tailscale operator refuses, or silently ignores, in a Service it is asked to expose
 * (the rules ported in tailscale-operator.ts, at the release in src/config/tailscale-operator.ts).
 * The operator does not reject the object: it leaves the Service without a proxy and says so
 * in an event, so nothing fails at apply time. That is why the gate refuses it.
 */
import { EXPOSE_VALUE, TAILSCALE_ANNOTATIONS, TAILSCALE_OPERATOR_RELEASE } from '../../config/tailscale-operator';
import type { KubeObject } from '../../synth/manifests';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject } from '../manifest/objects';
import { type ServiceSite, checkTag, exposureReason, isTailscaleLoadBalancer, nameForService, serviceSites, validLabel } from './tailscale-operator';

const OPERATOR = `the Tailscale operator ${TAILSCALE_OPERATOR_RELEASE.version}`;

/** The Services the operator exposes, with where to point at them. */
function exposedSites(objects: readonly KubeObject[]): ServiceSite[] {
  return serviceSites(objects).filter((site) => exposureReason(site.annotations, site.spec) !== undefined);
}

const at = (site: ServiceSite, path: string): string => `${describeObject(site.object)}, ${path}`;
const annotationAt = (site: ServiceSite, annotation: string): string => at(site, `${site.metadataPath}.annotations["${annotation}"]`);

export const tailscaleHostname = environmentCheck(
  'admission.tailscale-hostname',
  "An exposed Service's tailnet hostname is a DNS label the operator accepts (dnsname.ValidLabel)",
  ({ objects }) => fromProblems(exposedSites(objects).flatMap((site): Problem[] => {
    const name = nameForService(site);
    const reason = validLabel(name);
    if (reason === undefined) return [];
    const given = site.annotations[TAILSCALE_ANNOTATIONS.hostname] !== undefined;
    return [{
      message: `${given ? annotationAt(site, TAILSCALE_ANNOTATIONS.hostname) : `${at(site, site.metadataPath)} (no ${TAILSCALE_ANNOTATIONS.hostname}, so the hostname is "<namespace>-<name>")`}: ${reason}; ${OPERATOR} refuses the Service and runs no proxy. Allowed: 1 to 63 ASCII letters, digits and "-", starting and ending with a letter or digit.`,
      fix: 'Use one DNS label ending in the environment name (pooler.tailnetExposure.hostname).',
    }];
  }), 'Every exposed Service has a hostname the operator accepts.'),
);

export const tailscaleTags = environmentCheck(
  'admission.tailscale-tags',
  'Proxy tags are Tailscale tags (tailcfg.CheckTag) separated by commas without spaces',
  ({ objects }) => fromProblems(exposedSites(objects).flatMap((site): Problem[] => {
    const value = site.annotations[TAILSCALE_ANNOTATIONS.tags];
    if (value === undefined) return [];
    const where = annotationAt(site, TAILSCALE_ANNOTATIONS.tags);
    return value.split(',').flatMap((tag): Problem[] => {
      const reason = checkTag(tag.trim());
      if (reason !== undefined) {
        return [{ message: `${where}: tag ${JSON.stringify(tag)} in ${JSON.stringify(value)}: ${reason}; ${OPERATOR} refuses the Service and runs no proxy.`, fix: 'Write the tags as "tag:a,tag:b" (pooler.tailnetExposure.tags).' }];
      }
      // tagViolations (ingress-for-pg.go) trims, but svc.go asks for the proxy's auth key with the untrimmed tags.
      if (tag !== tag.trim()) {
        return [{ message: `${where}: ${JSON.stringify(value)} has ${JSON.stringify(tag)}, not "tag:" followed by a letter and then letters, digits or "-" (no spaces): ${OPERATOR} accepts it but requests the proxy's auth key with the spaces, which the control plane refuses.`, fix: 'Write the tags as "tag:a,tag:b" with no spaces (pooler.tailnetExposure.tags).' }];
      }
      return [];
    });
  }), 'Every tag annotation is well-formed.'),
);

export const tailscaleExpose = environmentCheck(
  'admission.tailscale-expose',
  `tailscale.com/expose is "true" or "false" (the operator honours only exactly "${EXPOSE_VALUE}"), and "false" takes the Service off the tailnet`,
  ({ objects }) => fromProblems(serviceSites(objects).flatMap((site): Problem[] => {
    const value = site.annotations[TAILSCALE_ANNOTATIONS.expose];
    if (value === undefined || value === EXPOSE_VALUE) return [];
    const where = annotationAt(site, TAILSCALE_ANNOTATIONS.expose);
    if (value !== 'false') {
      return [{ message: `${where}: ${JSON.stringify(value)}; ${OPERATOR} exposes a Service only when the value is exactly "${EXPOSE_VALUE}", so this one stays off the tailnet.`, fix: 'Write "true" to expose the Service, or "false" (or remove the annotation) to keep it off the tailnet.' }];
    }
    if (isTailscaleLoadBalancer(site.spec)) {
      return [{ message: `${where}: "false", but ${at(site, site.specPath)} is a LoadBalancer of class "${String(site.spec.loadBalancerClass)}", which ${OPERATOR} exposes whatever the annotation says, so the Service stays on the tailnet.`, fix: `To take it off the tailnet, also drop type LoadBalancer (or its loadBalancerClass) from ${site.specPath}.` }];
    }
    return [];
  }), 'Every expose annotation says what the operator does.'),
);

export const tailscaleService = environmentCheck(
  'admission.tailscale-service',
  'An exposed Service is not headless (the operator refuses clusterIP: None)',
  ({ objects }) => fromProblems(exposedSites(objects).flatMap((site): Problem[] => (
    site.spec.clusterIP !== 'None' ? [] : [{
      message: `${at(site, `${site.specPath}.clusterIP`)}: "None" makes the Service headless; ${OPERATOR} refuses it ("headless Services are not supported") and runs no proxy.`,
      fix: `Remove clusterIP from ${site.specPath} (the pooler's Service needs a cluster IP for the proxy to forward to).`,
    }]
  )), 'No exposed Service is headless.'),
);
