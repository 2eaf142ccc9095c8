/**
 * The Tailscale operator's rules for a Service it exposes, ported from the release in
 * src/config/tailscale-operator.ts: which Services it exposes (svc.go shouldExpose), the
 * hostname it gives the proxy (sts.go nameForService) and what validateService refuses
 * (headless, a hostname that is not a ValidLabel, tags CheckTag refuses).
 */
import {
  EXPOSE_VALUE,
  OPERATOR_IS_DEFAULT_LOAD_BALANCER,
  TAILSCALE_ANNOTATIONS,
  TAILSCALE_LOAD_BALANCER_CLASS,
} from '../../config/tailscale-operator';
import type { KubeObject } from '../../synth/manifests';
import { field } from '../manifest/objects';

const MAX_LABEL_LENGTH = 63;
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isNum = (c: string): boolean => c >= '0' && c <= '9';
const isAlphanum = (c: string): boolean => isAlpha(c) || isNum(c);

/**
 * util/dnsname ValidLabel: 1 to 63 bytes of ASCII letters (either case), digits and "-",
 * starting and ending with a letter or digit. Returns upstream's reason, or undefined.
 */
export function validLabel(label: string): string | undefined {
  const bytes = Buffer.from(label, 'utf8');
  // Go indexes bytes: a non-ASCII character is several bytes, none of them a DNS character.
  const chars = bytes.length === label.length ? [...label] : [...bytes].map((b) => (b < 128 ? String.fromCharCode(b) : '\u0080'));
  if (chars.length === 0) return 'empty DNS label';
  if (chars.length > MAX_LABEL_LENGTH) return `${JSON.stringify(label)} is too long, max length is ${MAX_LABEL_LENGTH} bytes`;
  if (!isAlphanum(chars[0]!)) return `${JSON.stringify(label)} is not a valid DNS label: must start with a letter or number`;
  if (!isAlphanum(chars[chars.length - 1]!)) return `${JSON.stringify(label)} is not a valid DNS label: must end with a letter or number`;
  const bad = chars.slice(1, -1).find((c) => !isAlphanum(c) && c !== '-');
  return bad === undefined ? undefined : `${JSON.stringify(label)} is not a valid DNS label: contains invalid character ${JSON.stringify(bad)}`;
}

/** tailcfg CheckTag: `tag:`, then a letter, then ASCII letters, digits or "-". Returns upstream's reason, or undefined. */
export function checkTag(tag: string): string | undefined {
  if (!tag.startsWith('tag:')) return "tags must start with 'tag:'";
  const name = tag.slice('tag:'.length);
  if (name === '') return 'tag names must not be empty';
  if (!isAlpha(name[0]!)) return "tag names must start with a letter, after 'tag:'";
  if (![...name].every((c) => isAlpha(c) || isNum(c) || c === '-')) return 'tag names can only contain numbers, letters, or dashes';
  return undefined;
}

/** A Service as the operator sees it: rendered as a Service, or as the Service CNPG makes of a Pooler's template. */
export interface ServiceSite {
  readonly object: KubeObject;
  /** Where the Service's metadata and spec are in `object`, for messages: `metadata`/`spec` or `spec.serviceTemplate.…`. */
  readonly metadataPath: string;
  readonly specPath: string;
  /** The Service's namespace and name (CNPG names a Pooler's Service like the Pooler). */
  readonly namespace: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Every Service the objects make: Service objects, and each Pooler's (from its serviceTemplate). */
export function serviceSites(objects: readonly KubeObject[]): ServiceSite[] {
  return objects.flatMap((object): ServiceSite[] => {
    const base = { object, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
    if (object.kind === 'Service' && object.apiVersion === 'v1') {
      return [{ ...base, metadataPath: 'metadata', specPath: 'spec', annotations: object.metadata.annotations ?? {}, spec: (field(object, 'spec') ?? {}) as Record<string, unknown> }];
    }
    if (object.kind === 'Pooler') {
      return [{
        ...base,
        metadataPath: 'spec.serviceTemplate.metadata',
        specPath: 'spec.serviceTemplate.spec',
        annotations: (field(object, 'spec', 'serviceTemplate', 'metadata', 'annotations') ?? {}) as Record<string, string>,
        spec: (field(object, 'spec', 'serviceTemplate', 'spec') ?? {}) as Record<string, unknown>,
      }];
    }
    return [];
  });
}

/** svc.go isTailscaleLoadBalancerService. */
export function isTailscaleLoadBalancer(spec: Readonly<Record<string, unknown>>): boolean {
  if (spec.type !== 'LoadBalancer') return false;
  return spec.loadBalancerClass === undefined ? OPERATOR_IS_DEFAULT_LOAD_BALANCER : spec.loadBalancerClass === TAILSCALE_LOAD_BALANCER_CLASS;
}

/**
 * Why the operator exposes a Service on the tailnet (svc.go shouldExpose, for a ClusterIP or
 * LoadBalancer Service; ExternalName and egress are not ours), or undefined when it does not.
 */
export function exposureReason(annotations: Readonly<Record<string, unknown>>, spec: Readonly<Record<string, unknown>>): 'annotation' | 'load-balancer-class' | undefined {
  if (annotations[TAILSCALE_ANNOTATIONS.expose] === EXPOSE_VALUE) return 'annotation';
  if (isTailscaleLoadBalancer(spec)) return 'load-balancer-class';
  return undefined;
}

/** sts.go nameForService: the hostname annotation verbatim when present, else `<namespace>-<name>`. */
export function nameForService(site: Pick<ServiceSite, 'annotations' | 'namespace' | 'name'>): string {
  const hostname = site.annotations[TAILSCALE_ANNOTATIONS.hostname];
  return hostname !== undefined ? hostname : `${site.namespace}-${site.name}`;
}
