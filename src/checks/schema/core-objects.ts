/**
 * Every core object (Deployment, PodDisruptionBudget, Service, Secret, …) validated against the
 * Kubernetes OpenAPI schema by kubernetes-models, as the API server would before its own rules
 * (those are admission/api-server.ts). TypeScript types only hold for what the constructs write;
 * this holds for the rendered object. kubernetes-models takes about 60 ms to load, so it is
 * loaded only when a verdict is not in the cache (src/build-cache/verdict-cache.ts).
 */
import * as path from 'node:path';
import type { ErrorObject } from 'ajv';
import type { KubeObject } from '../../synth/manifests';
import { type Outcome, type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject } from '../manifest/objects';
import { describeError, isCustomResource, withoutBranchErrors } from './custom-resources';
import { packageVersion, verdictCache, verdictKey } from '../../build-cache';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The kubernetes-models module and export of each core kind we render or may render. */
const MODELS: Readonly<Record<string, readonly [string, string]>> = {
  'apps/v1 Deployment': ['kubernetes-models/apps/v1/Deployment', 'Deployment'],
  'apps/v1 StatefulSet': ['kubernetes-models/apps/v1/StatefulSet', 'StatefulSet'],
  'policy/v1 PodDisruptionBudget': ['kubernetes-models/policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'],
  'v1 Service': ['kubernetes-models/v1/Service', 'Service'],
  'v1 Secret': ['kubernetes-models/v1/Secret', 'Secret'],
  'v1 ConfigMap': ['kubernetes-models/v1/ConfigMap', 'ConfigMap'],
  'v1 ServiceAccount': ['kubernetes-models/v1/ServiceAccount', 'ServiceAccount'],
  'v1 Namespace': ['kubernetes-models/v1/Namespace', 'Namespace'],
};

const typeOf = (object: KubeObject): string => `${object.apiVersion} ${object.kind}`;

/** kubernetes-models' errors for one core object ([] when valid), or undefined when no model is known for its kind. */
export function coreSchemaErrorObjects(object: KubeObject): ErrorObject[] | undefined {
  const model = MODELS[typeOf(object)];
  if (model === undefined) return undefined;
  const Class = (require(model[0]) as Record<string, ModelClass>)[model[1]]!;
  try {
    new Class(object).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: ErrorObject[] }).errors;
    if (errors === undefined) throw error;
    // What describing needs, and nothing that would not survive the cache's JSON.
    return errors.map(({ instancePath, schemaPath, keyword, params, message }) => ({ instancePath, schemaPath, keyword, params, ...(message !== undefined && { message }) }));
  }
}

const describeAll = (object: KubeObject, errors: readonly ErrorObject[]): string[] => [...new Set(withoutBranchErrors(errors).map((e) => describeError(object, e)))];

/** The schema errors of one core object, described; undefined when no model is known for its kind. */
export function coreSchemaErrors(object: KubeObject): string[] | undefined {
  const errors = coreSchemaErrorObjects(object);
  return errors === undefined ? undefined : describeAll(object, errors);
}

export const coreObjectSchemas = environmentCheck(
  'schema.core-objects',
  'Every core object validates against the Kubernetes OpenAPI schema (kubernetes-models)',
  ({ objects, input }): Outcome => {
    const core = objects.filter((o) => !isCustomResource(o));
    const cacheDir = input.crds.status === 'loaded' && input.crds.cacheDir !== undefined
      ? path.join(input.crds.cacheDir, `kubernetes-models-${packageVersion('kubernetes-models')}`) : undefined;
    const cache = verdictCache<ErrorObject[] | null>(cacheDir, 'core-verdicts');
    const problems = core.flatMap((object): Problem[] => {
      const key = verdictKey(object);
      let found = cache.get(key);
      if (found === undefined) {
        found = coreSchemaErrorObjects(object) ?? null;
        cache.set(key, found);
      }
      if (found === null) {
        return [{ message: `${describeObject(object)}: no Kubernetes schema is known here for ${typeOf(object)}, so it was not validated.`, fix: 'Add its kubernetes-models class to MODELS in src/checks/schema/core-objects.ts.' }];
      }
      const errors = describeAll(object, found);
      return errors.length === 0 ? [] : [{
        message: `${describeObject(object)} does not match the Kubernetes schema of ${typeOf(object)}: ${errors.join('; ')}.`,
        fix: 'Change the construct (src/k8s) so the object matches the Kubernetes API the cluster serves.',
      }];
    });
    cache.flush();
    return fromProblems(problems, `${core.length} core objects (${[...new Set(core.map((o) => o.kind))].join(', ')}) match the Kubernetes schema.`);
  },
);
