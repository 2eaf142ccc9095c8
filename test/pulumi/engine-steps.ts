/**
 * A model of the order in which the Pulumi engine carries out an update, from what two runs of
 * a program registered (the deployed one and the next one), so credential switches can be
 * tested under mocks. The engine's rules it follows:
 * - resources are created, updated or replaced in registration order (dependencies first);
 * - a replacement creates the new resource first unless `deleteBeforeReplace` is set
 *   (https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/);
 * - the replaced originals and the resources gone from the program are deleted only after the
 *   program has finished, i.e. after every create and update, awaited Deployment rollouts
 *   included (pulumi/pulumi#9979), in reverse order; `retainOnDelete` drops them from the state
 *   without calling the provider (https://www.pulumi.com/docs/iac/concepts/options/retainondelete/).
 */
import type { RecordedResource } from '../../src/pulumi/offline-run';

export type Step =
  | { readonly op: 'create' | 'update' | 'same'; readonly resource: RecordedResource; readonly replaced: boolean }
  | { readonly op: 'delete'; readonly resource: RecordedResource; readonly retained: boolean };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Whether a resource whose inputs changed is replaced: `replaceOnChanges` naming a changed input (or `*`). */
function replaces(before: RecordedResource, after: RecordedResource): boolean {
  const changed = new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)].filter((k) => !same(before.inputs[k], after.inputs[k])));
  return after.replaceOnChanges.some((path) => path === '*' || changed.has(path.split('.')[0]!));
}

/**
 * The steps of `pulumi up` from `deployed` to `next`. A resource depending on one that is
 * created or replaced is updated even when its inputs look equal under mocks: the mocks'
 * stand-in values do not change when a credential is replaced, Tailscale's do.
 */
export function engineSteps(deployed: readonly RecordedResource[], next: readonly RecordedResource[]): Step[] {
  const before = new Map(deployed.filter((r) => r.custom).map((r) => [r.urn, r]));
  const steps: Step[] = [];
  const deferred: Step[] = [];
  const replacedOrCreated = new Set<string>();
  for (const resource of next.filter((r) => r.custom)) {
    const old = before.get(resource.urn);
    // A dependency with new outputs (a new credential) changes this resource's inputs for real.
    const dependencyChanged = resource.dependencies.some((urn) => replacedOrCreated.has(urn));
    if (old === undefined) {
      steps.push({ op: 'create', resource, replaced: false });
      replacedOrCreated.add(resource.urn);
    } else if (same(old.inputs, resource.inputs) && !dependencyChanged) {
      steps.push({ op: 'same', resource, replaced: false });
    } else if (replaces(old, resource)) {
      const remove: Step = { op: 'delete', resource: old, retained: old.retainOnDelete };
      if (resource.deleteBeforeReplace) steps.push(remove);
      steps.push({ op: 'create', resource, replaced: true });
      if (!resource.deleteBeforeReplace) deferred.push(remove);
      replacedOrCreated.add(resource.urn);
    } else {
      steps.push({ op: 'update', resource, replaced: false });
    }
  }
  const kept = new Set(next.map((r) => r.urn));
  const gone = deployed.filter((r) => r.custom && !kept.has(r.urn)).reverse().map((resource): Step => ({ op: 'delete', resource, retained: resource.retainOnDelete }));
  return [...steps, ...deferred, ...gone];
}
