/**
 * Every custom resource, validated against the `openAPIV3Schema` of the CRD release the
 * cluster runs, unknown fields rejected. Core kinds are typed by cdk8s-plus-28 when rendered.
 */
import * as path from 'node:path';
import type { ErrorObject } from 'ajv';
import type { KubeObject } from '../../synth/manifests';
import { type Outcome, type Problem, environmentCheck, fail, fromProblems, skip } from '../environment-check';
import { describeObject, field } from '../manifest/objects';
import { type WantedKind, crdKey } from './crd-catalog';
import { isPlainJson, verdictCache, verdictKey } from '../../build-cache';

/** API groups served by Kubernetes itself; anything else is a custom resource. */
const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'certificates.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'resource.k8s.io',
  'authentication.k8s.io', 'authorization.k8s.io', 'apiregistration.k8s.io',
]);

export const OBTAIN_CRDS_FIX = 'Obtain the CRDs of the releases the cluster runs (docs/crds.md) and pass --crds <dir>.';

export function apiGroupVersion(object: KubeObject): { group: string; version: string } {
  const slash = object.apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: object.apiVersion } : { group: object.apiVersion.slice(0, slash), version: object.apiVersion.slice(slash + 1) };
}

export function isCustomResource(object: KubeObject): boolean {
  return !BUILT_IN_GROUPS.has(apiGroupVersion(object).group);
}

/** The custom kinds a set of objects uses: what the catalog needs to load. */
export function customResourceKinds(objects: readonly KubeObject[]): WantedKind[] {
  const kinds = new Map<string, WantedKind>();
  for (const object of objects.filter(isCustomResource)) {
    const { group } = apiGroupVersion(object);
    kinds.set(crdKey(group, object.kind), { group, kind: object.kind });
  }
  return [...kinds.values()];
}

/** `/spec/data/0/secretKey` → `spec.data[0].secretKey`. */
function fieldPath(instancePath: string): string {
  return instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`), '');
}

function valueAt(object: KubeObject, instancePath: string): unknown {
  return field(object, ...instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')));
}

export function describeError(object: KubeObject, error: ErrorObject): string {
  const where = fieldPath(error.instancePath) || '(root)';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': return `${where}: unknown field "${String(params.additionalProperty)}"`;
    case 'required': return `${where}: missing required field "${String(params.missingProperty)}"`;
    case 'enum': return `${where}: ${JSON.stringify(valueAt(object, error.instancePath))} is not one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type': return `${where}: ${JSON.stringify(valueAt(object, error.instancePath))} is not of type ${String(params.type)}`;
    case 'anyOf': case 'oneOf': return `${where}: ${JSON.stringify(valueAt(object, error.instancePath))} matches none of the allowed forms`;
    default: return `${where}: ${error.message ?? error.keyword}`;
  }
}

/** ajv reports every failed branch of an anyOf too; the anyOf's own error says it once. */
export function withoutBranchErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  // A branch's error sits below the combinator's schema path, or (through a $ref) at its value with another path.
  return errors.filter((e) => !combinators.some((c) => e !== c && (e.schemaPath.startsWith(`${c.schemaPath}/`) || (e.instancePath === c.instancePath && e.keyword === 'type'))));
}

export const customResourceSchemas = environmentCheck(
  'schema.custom-resources',
  'Every custom resource validates against the CRD schema the cluster runs, unknown fields rejected',
  ({ objects, input }): Outcome => {
    const custom = objects.filter(isCustomResource);
    const catalog = input.crds;
    const kinds = customResourceKinds(custom).map((k) => `${k.group}/${k.kind}`).join(', ');
    if (catalog.status === 'missing') {
      const message = `SKIPPED: no CRD schemas at ${catalog.dir}; ${custom.length} custom resources (${kinds}) were NOT validated.`;
      return input.requireSchemas ? fail(message.replace(/^SKIPPED: /, ''), OBTAIN_CRDS_FIX) : skip(message, OBTAIN_CRDS_FIX);
    }
    // Objects already found valid against the same schema: a warm run never loads the validators.
    const valid = verdictCache<true>(catalog.cacheDir === undefined ? undefined : path.join(catalog.cacheDir, 'verdicts'), 'custom-resources');
    const problems: Problem[] = catalog.problems.map((message) => ({ message: `${catalog.dir}: ${message}`, fix: 'Replace the file with the upstream CRD (docs/crds.md).' }));
    for (const object of custom) {
      const { group, version } = apiGroupVersion(object);
      const crd = catalog.crds.get(crdKey(group, object.kind));
      if (crd === undefined) {
        problems.push({ message: `${describeObject(object)}: no CRD for ${group} ${object.kind} in ${catalog.dir}.`, fix: OBTAIN_CRDS_FIX });
        continue;
      }
      // Only an object JSON holds exactly is remembered by its JSON (src/build-cache/plain-json.ts).
      const verdict = isPlainJson(object) ? `${crd.schemaId}/${version}/${verdictKey(object)}` : undefined;
      const isServed = crd.versions.some((v) => v.name === version && v.served);
      if (isServed && verdict !== undefined && valid.get(verdict) === true) continue;
      const validate = crd.validator(version);
      if (validate === undefined) {
        const served = crd.versions.filter((v) => v.served).map((v) => v.name).join(', ') || 'none';
        problems.push({ message: `${describeObject(object)}: apiVersion ${object.apiVersion} is not served by the cluster's CRD (${crd.file}; served: ${served}).`, fix: `Use apiVersion ${group}/<one of ${served}>.` });
        continue;
      }
      if (validate(object)) {
        if (verdict !== undefined) valid.set(verdict, true);
        continue;
      }
      const details = withoutBranchErrors(validate.errors ?? []).map((e) => describeError(object, e));
      problems.push({
        message: `${describeObject(object)} does not match the schema of ${crd.file}: ${[...new Set(details)].join('; ')}.`,
        fix: 'Change the construct (src/k8s) so the object matches the CRD of the release the cluster runs; regenerate imports/ if the CRDs changed.',
      });
    }
    valid.flush();
    return fromProblems(problems, `${custom.length} custom resources (${kinds}) match the CRD schemas in ${catalog.dir}.`);
  },
);
