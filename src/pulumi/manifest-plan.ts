/**
 * How the synthesized objects of an environment are applied: in which phase, after what,
 * protected or not, awaited for how long. Plain data, decided here and tested without the
 * engine; environment-manifests.ts only turns it into resources.
 */
import type { EnvironmentConfig, Stage } from '../config/types';
import { type KubeObject, objectKey } from '../synth/manifests';

/** Phases in apply order; each phase waits for every earlier one. */
export const MANIFEST_PHASES = ['secrets', 'data-path', 'workloads'] as const;
export type ManifestPhase = (typeof MANIFEST_PHASES)[number];

/** Which @pulumi/kubernetes class applies a kind: a typed core class, or the generic one for CRDs. */
export type ResourceClass = 'Deployment' | 'PodDisruptionBudget' | 'CustomResource';

interface KindRule {
  readonly phase: ManifestPhase;
  /**
   * Deleting it loses something a re-create does not bring back as it was: the Pooler's
   * Service is a tailnet device (a new one gets a new address the VMs must re-pin), and an
   * ExternalSecret owns its Secret (deleting it deletes the processors' database URL).
   */
  readonly stateful: boolean;
  readonly resourceClass: ResourceClass;
}

/** Every kind the charts render. A new kind fails the plan until it is given a phase here. */
export const KIND_RULES: Readonly<Record<string, KindRule>> = {
  'external-secrets.io/v1/ExternalSecret': { phase: 'secrets', stateful: true, resourceClass: 'CustomResource' },
  'postgresql.cnpg.io/v1/Pooler': { phase: 'data-path', stateful: true, resourceClass: 'CustomResource' },
  'apps/v1/Deployment': { phase: 'workloads', stateful: false, resourceClass: 'Deployment' },
  'policy/v1/PodDisruptionBudget': { phase: 'workloads', stateful: false, resourceClass: 'PodDisruptionBudget' },
};

/** Stages whose stateful objects are protected against accidental deletion (`pulumi destroy`, a removed construct). */
export const PROTECTED_STAGES: ReadonlySet<Stage> = new Set(['production']);

/** Pulumi waits this much longer than a Deployment's own progress deadline before giving up on a rollout. */
export const ROLLOUT_AWAIT_MARGIN_SECONDS = 300;

export interface PlannedObject {
  readonly object: KubeObject;
  /** Resource name: `<namespace>/<name>`; the resource type already carries the kind. */
  readonly resourceName: string;
  readonly phase: ManifestPhase;
  readonly resourceClass: ResourceClass;
  readonly protect: boolean;
  /** How long Pulumi awaits a create or update (Deployments only), e.g. `35m`. */
  readonly awaitTimeout: string | undefined;
}

/** The plan for one environment's objects, in the order they were synthesized. */
export function planManifests(env: EnvironmentConfig, objects: readonly KubeObject[]): PlannedObject[] {
  const problems: string[] = [];
  const plan: PlannedObject[] = [];
  for (const object of objects) {
    const rule = KIND_RULES[`${object.apiVersion}/${object.kind}`];
    if (rule === undefined) {
      problems.push(`${objectKey(object)} (apiVersion ${object.apiVersion}) has no apply rule; known: ${Object.keys(KIND_RULES).join(', ')}. Fix: add it to KIND_RULES in src/pulumi/manifest-plan.ts with its phase and whether it is stateful.`);
      continue;
    }
    if (object.metadata.namespace !== env.namespace) {
      problems.push(`${objectKey(object)} is not in the environment's namespace "${env.namespace}"; a stack only touches its own namespace. Fix: render it through the environment's chart.`);
      continue;
    }
    plan.push({
      object,
      resourceName: `${object.metadata.namespace}/${object.metadata.name}`,
      phase: rule.phase,
      resourceClass: rule.resourceClass,
      protect: rule.stateful && PROTECTED_STAGES.has(env.stage),
      awaitTimeout: rolloutAwaitTimeout(object),
    });
  }
  if (problems.length > 0) {
    throw new Error(`Cannot apply the manifests of environment "${env.name}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return plan;
}

/** A VM boot outlasts Pulumi's default 10-minute Deployment await; wait out the Deployment's own deadline. */
function rolloutAwaitTimeout(object: KubeObject): string | undefined {
  const deadline = (object.spec as { progressDeadlineSeconds?: unknown } | undefined)?.progressDeadlineSeconds;
  if (object.kind !== 'Deployment' || typeof deadline !== 'number') return undefined;
  return `${Math.ceil((deadline + ROLLOUT_AWAIT_MARGIN_SECONDS) / 60)}m`;
}
