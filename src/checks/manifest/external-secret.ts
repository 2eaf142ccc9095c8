/** Reading External Secrets Operator `ExternalSecret`s: which Secret each writes, with which keys. */
import type { KubeObject } from '../../synth/manifests';
import { field, objectsOfKind } from './objects';

export interface ExternalSecretView {
  readonly object: KubeObject;
  /** The Secret it writes: `spec.target.name`, which defaults to the ExternalSecret's name. */
  readonly secretName: string;
  readonly namespace: string | undefined;
  /** `spec.data[].secretKey`: the values fetched from the store, and what templates may reference. */
  readonly dataKeys: readonly string[];
  /** `spec.target.template.data`, when there is a template. */
  readonly template: Readonly<Record<string, string>> | undefined;
  readonly engineVersion: string | undefined;
  /** Whether `spec.dataFrom` adds keys only the store knows (not provable from the manifest). */
  readonly usesDataFrom: boolean;
  /** Keys the written Secret will hold, as far as the manifest shows. */
  readonly producedKeys: readonly string[];
}

export function externalSecrets(objects: readonly KubeObject[]): ExternalSecretView[] {
  return objectsOfKind(objects, 'ExternalSecret').map((object) => {
    const target = field(object, 'spec', 'target');
    const dataKeys = ((field(object, 'spec', 'data') ?? []) as { secretKey?: string }[])
      .map((d) => d.secretKey)
      .filter((k): k is string => typeof k === 'string');
    const template = field(target, 'template', 'data') as Record<string, string> | undefined;
    // ESO's default mergePolicy (Replace) writes only the template's keys when there is a template.
    const merge = field(target, 'template', 'mergePolicy') === 'Merge';
    const producedKeys = template === undefined ? dataKeys : [...Object.keys(template), ...(merge ? dataKeys : [])];
    const dataFrom = field(object, 'spec', 'dataFrom');
    return {
      object,
      secretName: (field(target, 'name') as string | undefined) ?? object.metadata.name,
      namespace: object.metadata.namespace,
      dataKeys,
      template,
      engineVersion: field(target, 'template', 'engineVersion') as string | undefined,
      usesDataFrom: Array.isArray(dataFrom) && dataFrom.length > 0,
      producedKeys: [...new Set(producedKeys)],
    };
  });
}

/** The ExternalSecrets that write Secret `secretName` in `namespace`. */
export function producersOf(objects: readonly KubeObject[], secretName: string, namespace: string | undefined): ExternalSecretView[] {
  return externalSecrets(objects).filter((es) => es.secretName === secretName && es.namespace === namespace);
}
