/**
 * Reading rendered objects as plain JSON. Fields are optional here on purpose: the checks
 * are the second gate, so they must cope with a manifest that a construct bug (or a hand
 * edit) left without a field the constructs always set.
 */
import type { KubeObject } from '../../synth/manifests';

export interface EnvVarSource {
  readonly secretKeyRef?: { readonly name?: string; readonly key?: string };
  readonly fieldRef?: { readonly fieldPath?: string };
}
export interface EnvVar { readonly name: string; readonly value?: string; readonly valueFrom?: EnvVarSource }
export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[] };
}
export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly env?: readonly EnvVar[];
  readonly resources?: { readonly requests?: Readonly<Record<string, unknown>>; readonly limits?: Readonly<Record<string, unknown>> };
  readonly securityContext?: SecurityContext;
}
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}
export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly securityContext?: SecurityContext;
  readonly topologySpreadConstraints?: readonly { readonly labelSelector?: LabelSelector }[];
}

/** An object that runs pods, with where its pod template lives. */
export interface Workload {
  readonly object: KubeObject;
  readonly selector: LabelSelector | undefined;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly pod: PodSpec;
}

/** `Kind name`, how messages name an object. */
export function describeObject(object: KubeObject): string {
  return `${object.kind} ${object.metadata.name}`;
}

export function objectsOfKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** A nested field of a JSON object, or undefined when any step is missing. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

const TEMPLATED_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** Every object that carries a pod template (or is a Pod). */
export function workloads(objects: readonly KubeObject[]): Workload[] {
  return objects.flatMap((object): Workload[] => {
    const spec = field(object, 'spec') as Record<string, unknown> | undefined;
    if (object.kind === 'Pod') return [{ object, selector: undefined, podLabels: object.metadata.labels ?? {}, pod: (spec ?? {}) as PodSpec }];
    const owner = object.kind === 'CronJob' ? field(spec, 'jobTemplate', 'spec') : TEMPLATED_KINDS.has(object.kind) ? spec : undefined;
    const template = field(owner, 'template');
    if (template === undefined) return [];
    return [{
      object,
      selector: field(owner, 'selector') as LabelSelector | undefined,
      podLabels: (field(template, 'metadata', 'labels') ?? {}) as Record<string, string>,
      pod: (field(template, 'spec') ?? {}) as PodSpec,
    }];
  });
}

/** Containers and init containers, each with the field path messages name it by. */
export function containersOf(pod: PodSpec): { readonly container: Container; readonly path: string }[] {
  return [
    ...(pod.initContainers ?? []).map((container) => ({ container, path: `initContainers[${container.name}]` })),
    ...(pod.containers ?? []).map((container) => ({ container, path: `containers[${container.name}]` })),
  ];
}

/** The Deployment of that name, and its one container (the processors each have exactly one). */
export function deploymentContainer(objects: readonly KubeObject[], name: string): { deployment: KubeObject; container: Container } | string {
  const deployment = findObject(objects, 'Deployment', name);
  if (deployment === undefined) return `no Deployment named "${name}" is rendered`;
  const containers = (field(deployment, 'spec', 'template', 'spec', 'containers') ?? []) as Container[];
  if (containers.length !== 1) return `Deployment ${name} has ${containers.length} containers; the processors run exactly one`;
  return { deployment, container: containers[0]! };
}

export function envVar(container: Container, name: string): EnvVar | undefined {
  return (container.env ?? []).find((e) => e.name === name);
}

/** Does `selector` select pods labelled `labels` (matchLabels and matchExpressions, as Kubernetes does)? */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In': return key in labels && values.includes(labels[key]!);
      case 'NotIn': return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists': return key in labels;
      case 'DoesNotExist': return !(key in labels);
      default: return false;
    }
  });
  return byLabels && byExpressions;
}

/** True when the selector names no label at all (it would select every pod). */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

/**
 * Calls `visit` for every string in a JSON value, property names included (annotation keys and
 * template keys can be references too), with the name of the property holding it (an array
 * item inherits its array's; `undefined` for a property name itself) and its path, built only
 * when asked for: checks walk every string of every object, and report few.
 */
export function forEachStringLeaf(value: unknown, visit: (text: string, property: string | undefined, path: () => string) => void): void {
  // Segments stay raw (an index or a key) and become text only when a path is asked for.
  const segments: (string | number)[] = [];
  const path = (): string => segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  const walk = (node: unknown, property: string | undefined): void => {
    if (typeof node === 'string') {
      visit(node, property, path);
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        segments.push(i);
        walk(node[i], property);
        segments.pop();
      }
    } else if (node !== null && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        segments.push(key);
        visit(key, undefined, path);
        walk(object[key], key);
        segments.pop();
      }
    }
  };
  walk(value, undefined);
}
