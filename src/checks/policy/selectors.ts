import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { type LabelSelector, describeObject, field, isEmptySelector, objectsOfKind, selects, workloads } from '../manifest/objects';

const show = (selector: LabelSelector | undefined): string => JSON.stringify(selector ?? null);

export const selectorLabels = environmentCheck(
  'policy.selectors',
  'Selectors match the pod template labels they are meant to select',
  ({ objects }) => {
    const problems: Problem[] = [];
    const owned = workloads(objects);
    for (const { object, selector, podLabels, pod } of owned) {
      if (object.kind !== 'Pod' && (isEmptySelector(selector) || !selects(selector!, podLabels))) {
        problems.push({
          message: `${describeObject(object)}: spec.selector ${show(selector)} does not select its pod template labels ${JSON.stringify(podLabels)}; the API server refuses it.`,
          fix: 'Derive both from selectorLabels() (src/config/names.ts).',
        });
      }
      (pod.topologySpreadConstraints ?? []).forEach((constraint, i) => {
        if (!isEmptySelector(constraint.labelSelector) && selects(constraint.labelSelector!, podLabels)) return;
        problems.push({
          message: `${describeObject(object)}: topologySpreadConstraints[${i}].labelSelector ${show(constraint.labelSelector)} does not select its own pods, so the spread constrains nothing.`,
          fix: 'Use the workload\'s selector labels in the constraint.',
        });
      });
    }
    for (const pdb of objectsOfKind(objects, 'PodDisruptionBudget')) {
      const selector = field(pdb, 'spec', 'selector') as LabelSelector | undefined;
      if (!isEmptySelector(selector) && owned.some((w) => selects(selector!, w.podLabels))) continue;
      problems.push({
        message: `${describeObject(pdb)}: spec.selector ${show(selector)} selects no workload's pods, so it protects nothing.`,
        fix: 'Use the protected Deployment\'s selector labels.',
      });
    }
    return fromProblems(problems, 'Every selector selects the pods it is meant for.');
  },
);
