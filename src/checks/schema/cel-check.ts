/**
 * The CRDs' CEL rules (`x-kubernetes-validations`, except transition rules, which the diff runs)
 * and the formats the API server validates, on every custom resource. Objects whose CRD or
 * version is missing are the schema check's to report; here they are skipped.
 */
import type { KubeObject } from '../../synth/manifests';
import { type Outcome, type Problem, environmentCheck, fromProblems, skip } from '../environment-check';
import { describeObject } from '../manifest/objects';
import type { CheckInput } from '../types';
import { cachedEvaluator, checkFormat, verdictCacheDir } from './cel-evaluator';
import { type CelNode, hasRules, objectViolations } from './cel-rules';
import { crdKey } from './crd-catalog';
import { OBTAIN_CRDS_FIX, apiGroupVersion, isCustomResource } from './custom-resources';

interface Judged {
  readonly object: KubeObject;
  readonly file: string;
  readonly tree: CelNode;
}

/** The custom resources whose CRD version has rules or formats, or why none can be judged. */
function judged(objects: readonly KubeObject[], input: CheckInput): Judged[] | Outcome {
  const catalog = input.crds;
  if (catalog.status === 'missing') {
    // schema.custom-resources fails this under --require-schemas; once is enough.
    return skip(`SKIPPED: no CRD schemas at ${catalog.dir}; CEL rules and formats were NOT checked.`, OBTAIN_CRDS_FIX);
  }
  return objects.filter(isCustomResource).flatMap((object): Judged[] => {
    const { group, version } = apiGroupVersion(object);
    const crd = catalog.crds.get(crdKey(group, object.kind));
    const tree = crd?.cel(version);
    return crd === undefined || tree === undefined ? [] : [{ object, file: crd.file, tree }];
  });
}

export const celRules = environmentCheck(
  'schema.cel-rules',
  "Every custom resource passes its CRD's CEL rules (x-kubernetes-validations; transition rules are the diff's)",
  ({ objects, input }): Outcome => {
    const found = judged(objects, input);
    if (!Array.isArray(found)) return found;
    const withRules = found.filter((j) => hasRules(j.tree, false));
    const evaluator = cachedEvaluator(input.crds.status === 'loaded' && withRules.length > 0 ? verdictCacheDir(input.crds.cacheDir) : undefined);
    const problems = withRules.flatMap(({ object, file, tree }): Problem[] => objectViolations(tree, object, evaluator.evaluate, undefined).map((v) => ({
      message: `${describeObject(object)}, ${v.path || '(root)'}: ${v.what} (${file}).`,
      fix: 'Change the construct (src/k8s) so the object satisfies the rule of the CRD release the cluster runs.',
    })));
    evaluator.flush();
    return fromProblems(problems, `${withRules.length} custom resources pass their CRDs' CEL rules.`);
  },
);

export const formats = environmentCheck(
  'schema.formats',
  'Every string a CRD gives a format the API server validates (date-time, duration, …) has that format',
  ({ objects, input }): Outcome => {
    const found = judged(objects, input);
    if (!Array.isArray(found)) return found;
    const problems = found.flatMap(({ object, file, tree }): Problem[] => objectViolations(tree, object, undefined, checkFormat).map((v) => ({
      message: `${describeObject(object)}, ${v.path}: ${v.what} (${file}), so the API server refuses the object.`,
      fix: 'Write the value in the format the CRD names (e.g. date-time: RFC 3339 "2026-01-02T15:04:05Z"; duration: "1h30m").',
    })));
    return fromProblems(problems, 'Every formatted string in the custom resources is valid.');
  },
);
