/**
 * The API server's own validation of core objects, beyond any schema (kubernetes/kubernetes
 * pkg/apis/apps/validation/validation.go, pkg/apis/core/validation/validation.go,
 * pkg/apis/policy/validation/validation.go, apimachinery's util/validation): the rules our
 * objects can meet. Messages quote the API server's.
 */
import type { KubeObject } from '../../synth/manifests';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { type Container, type LabelSelector, describeObject, field, selects, workloads } from '../manifest/objects';

/** An int-or-string as the API server reads it: a count, or a percentage; undefined when it is neither. */
function intOrPercent(value: unknown): { value: number; percent: boolean } | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return { value, percent: false };
  if (typeof value === 'string') {
    const match = /^(\d+)%$/.exec(value);
    if (match) return { value: Number(match[1]), percent: true };
  }
  return undefined;
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** apimachinery IsQualifiedName (label and annotation keys): an optional DNS subdomain prefix and `/`, a name of at most 63. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name must consist of alphanumeric characters, "-", "_" or ".", with an optional DNS subdomain prefix and "/"';
  const [name, prefix] = parts.length === 2 ? [parts[1]!, parts[0]!] : [parts[0]!, undefined];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return 'prefix part must be a lowercase RFC 1123 subdomain';
  if (name.length === 0 || name.length > 63) return 'name part must be no more than 63 characters and non-empty';
  return QUALIFIED_NAME.test(name) ? undefined : 'name part must consist of alphanumeric characters, "-", "_" or ".", and must start and end with an alphanumeric character';
}

/** apimachinery IsValidLabelValue. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  return value === '' || QUALIFIED_NAME.test(value) ? undefined : 'a valid label must be an empty string or consist of alphanumeric characters, "-", "_" or ".", and must start and end with an alphanumeric character';
}

/** apimachinery IsValidPortName (IANA_SVC_NAME). */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'must be no more than 15 characters';
  if (!IANA_SVC_NAME.test(name)) return 'must contain only lowercase alphanumeric characters or "-", and start and end with one';
  if (name.includes('--')) return 'must not contain consecutive hyphens';
  return /[a-z]/.test(name) ? undefined : 'must contain at least one letter';
}

/** A Kubernetes quantity in base units, for the forms the API accepts (decimal and binary suffixes, exponents). */
export function quantityValue(text: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(text);
  if (!match) return undefined;
  const factors: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(match[1]) * (match[2] !== undefined ? 10 ** Number(match[2].slice(1)) : factors[match[3] ?? ''] ?? 1);
}

function labelProblems(where: string, labels: unknown): string[] {
  if (labels === null || typeof labels !== 'object') return [];
  return Object.entries(labels as Record<string, unknown>).flatMap(([key, value]) => {
    const keyProblem = labelKeyProblem(key);
    const valueProblem = typeof value === 'string' ? labelValueProblem(value) : undefined;
    return [
      ...(keyProblem === undefined ? [] : [`${where}: key ${JSON.stringify(key)}: ${keyProblem}`]),
      ...(valueProblem === undefined ? [] : [`${where}[${JSON.stringify(key)}]: ${JSON.stringify(value)}: ${valueProblem}`]),
    ];
  });
}

/** ValidateRollingUpdateDeployment. */
function rollingUpdateProblems(object: KubeObject): string[] {
  const rolling = field(object, 'spec', 'strategy', 'rollingUpdate');
  if (rolling === undefined || rolling === null) return [];
  const where = 'spec.strategy.rollingUpdate';
  const out: string[] = [];
  const parsed: Record<'maxSurge' | 'maxUnavailable', ReturnType<typeof intOrPercent>> = { maxSurge: undefined, maxUnavailable: undefined };
  for (const name of ['maxSurge', 'maxUnavailable'] as const) {
    const value = field(rolling, name);
    if (value === undefined) continue;
    parsed[name] = intOrPercent(value);
    if (parsed[name] === undefined) out.push(`${where}.${name}: ${JSON.stringify(value)}: value should be int(5) or percentage(5%)`);
  }
  // An absent one is defaulted to 25%, so only both set to zero is refused.
  if (parsed.maxSurge?.value === 0 && parsed.maxUnavailable?.value === 0) {
    out.push(`${where}.maxUnavailable: ${JSON.stringify(field(rolling, 'maxUnavailable'))}: may not be 0 when \`maxSurge\` is 0 (no pod could be replaced, so a rollout never progresses)`);
  }
  if (parsed.maxUnavailable?.percent === true && parsed.maxUnavailable.value > 100) out.push(`${where}.maxUnavailable: ${JSON.stringify(field(rolling, 'maxUnavailable'))}: must not be greater than 100%`);
  return out;
}

function selectorProblems(object: KubeObject, selector: LabelSelector | undefined, podLabels: Readonly<Record<string, string>>): string[] {
  if (object.kind === 'Pod') return [];
  if (selector === undefined || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
    return [`spec.selector: ${JSON.stringify(selector ?? null)}: empty selector is invalid for ${object.kind.toLowerCase()}`];
  }
  return selects(selector, podLabels) ? [] : [`spec.template.metadata.labels: ${JSON.stringify(podLabels)}: \`selector\` does not match template \`labels\` (${JSON.stringify(selector)})`];
}

interface Port { readonly name?: string; readonly containerPort?: number; readonly hostPort?: number; readonly protocol?: string; readonly hostIP?: string }

/** ValidatePodSpec's container rules our pods can meet: unique names, port names, host ports, requests within limits. */
function podProblems(pod: Record<string, unknown>, at: string): string[] {
  const out: string[] = [];
  const containers = [...((pod.initContainers ?? []) as Container[]), ...((pod.containers ?? []) as Container[])];
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  for (const container of containers) {
    const where = `${at}.containers[${container.name}]`;
    if (names.has(container.name)) out.push(`${where}.name: ${JSON.stringify(container.name)}: Duplicate value`);
    names.add(container.name);
    const portNames = new Set<string>();
    for (const [i, port] of ((container as { ports?: Port[] }).ports ?? []).entries()) {
      const p = `${where}.ports[${i}]`;
      if (port.name !== undefined) {
        const problem = portNameProblem(port.name);
        if (problem !== undefined) out.push(`${p}.name: ${JSON.stringify(port.name)}: ${problem}`);
        if (portNames.has(port.name)) out.push(`${p}.name: ${JSON.stringify(port.name)}: Duplicate value`);
        portNames.add(port.name);
      }
      if (pod.hostNetwork === true && port.hostPort !== undefined && port.hostPort !== port.containerPort) {
        out.push(`${p}.hostPort: ${port.hostPort}: must match \`containerPort\` (${String(port.containerPort)}) when \`hostNetwork\` is true`);
      }
      const hostPort = pod.hostNetwork === true ? port.containerPort : port.hostPort;
      if (hostPort !== undefined && hostPort !== 0) {
        const key = `${port.protocol ?? 'TCP'}/${port.hostIP ?? ''}/${hostPort}`;
        if (hostPorts.has(key)) out.push(`${p}.hostPort: ${hostPort}: Duplicate value (${port.protocol ?? 'TCP'} host port ${hostPort} is already used in this pod)`);
        hostPorts.add(key);
      }
    }
    const requests = (container.resources?.requests ?? {}) as Record<string, unknown>;
    const limits = (container.resources?.limits ?? {}) as Record<string, unknown>;
    for (const [resource, request] of Object.entries(requests)) {
      const limit = limits[resource];
      if (limit === undefined) continue;
      const r = quantityValue(String(request));
      const l = quantityValue(String(limit));
      if (r !== undefined && l !== undefined && r > l) out.push(`${where}.resources.requests[${JSON.stringify(resource)}]: ${JSON.stringify(request)}: must be less than or equal to ${resource} limit of ${JSON.stringify(limit)}`);
    }
  }
  return out;
}

/** ValidatePodDisruptionBudgetSpec. */
function pdbProblems(object: KubeObject): string[] {
  const spec = (field(object, 'spec') ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) out.push('spec: minAvailable and maxUnavailable cannot be both set');
  for (const name of ['minAvailable', 'maxUnavailable'] as const) {
    if (spec[name] === undefined) continue;
    const parsed = intOrPercent(spec[name]);
    if (parsed === undefined) out.push(`spec.${name}: ${JSON.stringify(spec[name])}: must be a non-negative integer or a percentage`);
    else if (parsed.percent && parsed.value > 100) out.push(`spec.${name}: ${JSON.stringify(spec[name])}: must not be greater than 100%`);
  }
  return out;
}

/** ValidateService: several ports each need a unique, valid name. */
function serviceProblems(object: KubeObject): string[] {
  const ports = (field(object, 'spec', 'ports') ?? []) as Port[];
  const out: string[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    if (ports.length > 1 && (port.name ?? '') === '') out.push(`spec.ports[${i}].name: Required value (a Service with several ports names each)`);
    if (port.name !== undefined && port.name !== '') {
      if (names.has(port.name)) out.push(`spec.ports[${i}].name: ${JSON.stringify(port.name)}: Duplicate value`);
      names.add(port.name);
    }
  });
  return out;
}

/** Everything the API server's validation refuses in one core object (custom resources are their CRDs'). */
export function apiServerProblems(object: KubeObject): string[] {
  const out: string[] = [];
  if (!DNS1123_SUBDOMAIN.test(object.metadata.name) || object.metadata.name.length > 253) {
    out.push(`metadata.name: ${JSON.stringify(object.metadata.name)}: a lowercase RFC 1123 subdomain must consist of lowercase alphanumeric characters, "-" or ".", and must start and end with an alphanumeric character`);
  }
  out.push(...labelProblems('metadata.labels', object.metadata.labels));
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(object.kind)) out.push(...rollingUpdateProblems(object));
  for (const workload of workloads([object])) {
    out.push(...labelProblems('spec.template.metadata.labels', workload.podLabels));
    out.push(...selectorProblems(object, workload.selector, workload.podLabels));
    out.push(...podProblems(workload.pod as Record<string, unknown>, object.kind === 'Pod' ? 'spec' : 'spec.template.spec'));
  }
  if (object.kind === 'PodDisruptionBudget') out.push(...pdbProblems(object));
  if (object.kind === 'Service') out.push(...serviceProblems(object));
  return out;
}

const CORE_GROUPS = /^(v1|apps\/v1|policy\/v1|batch\/v1)$/;

export const apiServerRules = environmentCheck(
  'admission.api-server',
  "Core objects pass the API server's own validation (rules no schema carries: rollout bounds, selectors, ports, labels, requests within limits)",
  ({ objects }) => fromProblems(objects.filter((o) => CORE_GROUPS.test(o.apiVersion)).flatMap((object): Problem[] => apiServerProblems(object).map((what) => ({
    message: `${describeObject(object)}, ${what}; the API server refuses it.`,
    fix: 'Change the construct or the configuration it reads (src/k8s, src/config/environments) so the API server accepts the object.',
  }))), "Every core object passes the API server's validation rules."),
);
