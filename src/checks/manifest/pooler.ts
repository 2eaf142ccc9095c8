/** Reading the CloudNativePG `Pooler` and the Tailscale annotations of the Service CNPG creates for it. */
import { objectNames } from '../../config/names';
import type { EnvironmentConfig } from '../../config/types';
import { TAILSCALE_ANNOTATIONS } from '../../config/tailscale-operator';
import type { KubeObject } from '../../synth/manifests';
import { field, findObject } from './objects';

export interface PoolerView {
  readonly object: KubeObject;
  readonly name: string;
  readonly namespace: string | undefined;
  /** `spec.cluster.name`: the CNPG Cluster it fronts, in its own namespace. */
  readonly clusterName: string | undefined;
  /** `spec.serviceTemplate.metadata.annotations`, which CNPG copies onto the Service. */
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  readonly exposed: boolean;
  /** `tailscale.com/hostname`, verbatim. */
  readonly hostname: string | undefined;
  /** `tailscale.com/tags`, split at commas and trimmed: what they mean (their syntax is admission.tailscale-tags'). */
  readonly tags: readonly string[] | undefined;
}

/** The environment's Pooler (located by the configured name), or why there is none. */
export function poolerOf(env: EnvironmentConfig, objects: readonly KubeObject[]): PoolerView | string {
  const name = objectNames(env).pooler;
  const object = findObject(objects, 'Pooler', name);
  if (object === undefined) return `no Pooler named "${name}" is rendered`;
  const annotations = (field(object, 'spec', 'serviceTemplate', 'metadata', 'annotations') ?? {}) as Record<string, string>;
  const tags = annotations[TAILSCALE_ANNOTATIONS.tags];
  return {
    object,
    name: object.metadata.name,
    namespace: object.metadata.namespace,
    clusterName: field(object, 'spec', 'cluster', 'name') as string | undefined,
    serviceAnnotations: annotations,
    exposed: annotations[TAILSCALE_ANNOTATIONS.expose] === 'true',
    hostname: annotations[TAILSCALE_ANNOTATIONS.hostname],
    tags: tags === undefined ? undefined : tags.split(',').map((tag) => tag.trim()),
  };
}
