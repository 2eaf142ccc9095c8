import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { EnvironmentConfig } from '../config/types';
import { type KubeObject, objectKey } from '../synth/manifests';
import { MANIFEST_PHASES, type PlannedObject, planManifests } from './manifest-plan';

export interface AppliedManifestsArgs {
  readonly environment: EnvironmentConfig;
  /** Exactly what `npm run synth` writes for the environment: `synthesizeEnvironment(env).objects`. */
  readonly objects: readonly KubeObject[];
  /** Secrets this stack creates itself (the minted VM credential); applied in the secrets phase. */
  readonly secrets: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/**
 * Applies an environment's synthesized objects, one resource per object so each gets its
 * own dependencies, protection and await timeout (manifest-plan.ts): the Secrets and
 * ExternalSecrets first, then the pooler, then the workloads that read them.
 */
export class AppliedManifests extends pulumi.ComponentResource {
  static readonly TYPE = 'tuist:kubernetes:AppliedManifests';
  /** Each applied object's resource, by `Kind/namespace/name`. */
  readonly resources: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: AppliedManifestsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AppliedManifests.TYPE, name, {}, opts);
    const plan = planManifests(args.environment, args.objects);
    const resources = new Map<string, pulumi.CustomResource>();
    let earlier: pulumi.Resource[] = [];
    for (const phase of MANIFEST_PHASES) {
      const applied = plan.filter((p) => p.phase === phase).map((planned) => {
        const resource = applyObject(planned, {
          parent: this,
          provider: args.provider,
          dependsOn: earlier,
          protect: planned.protect,
          ...(planned.awaitTimeout === undefined ? {} : { customTimeouts: { create: planned.awaitTimeout, update: planned.awaitTimeout } }),
        });
        resources.set(objectKey(planned.object), resource);
        return resource;
      });
      earlier = [...earlier, ...(phase === 'secrets' ? args.secrets : []), ...applied];
    }
    this.resources = resources;
    this.registerOutputs({ applied: [...resources.keys()] });
  }
}

function applyObject(planned: PlannedObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  // The synthesized object is passed whole, so what Pulumi applies is what the snapshots test.
  const object: unknown = planned.object;
  switch (planned.resourceClass) {
    case 'Deployment':
      return new k8s.apps.v1.Deployment(planned.resourceName, object as k8s.apps.v1.DeploymentArgs, opts);
    case 'PodDisruptionBudget':
      return new k8s.policy.v1.PodDisruptionBudget(planned.resourceName, object as k8s.policy.v1.PodDisruptionBudgetArgs, opts);
    case 'CustomResource':
      return new k8s.apiextensions.CustomResource(planned.resourceName, object as k8s.apiextensions.CustomResourceArgs, opts);
  }
}
