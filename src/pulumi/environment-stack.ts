/**
 * The stack program of one environment, as a function of everything it depends on: the
 * model, the environment (from the stack's name), the stack's configuration and the clock.
 * main.ts wires the real ones; the tests and `preview-offline` pass their own.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Model } from '../config/load';
import type { EnvironmentConfig } from '../config/types';
import { synthesizeEnvironment } from '../synth/manifests';
import { AppliedManifests } from './applied-manifests';
import { type CredentialStatus, MintedVmCredential } from './minted-vm-credential';
import { createProviders } from './providers';
import type { StackConfig } from './stack-config';
import { type PolicyStatus, TailnetPolicy, planTailnetPolicy, readLivePolicy } from './tailnet-policy';

export interface EnvironmentStackInputs {
  readonly model: Model;
  readonly environment: EnvironmentConfig;
  readonly config: StackConfig;
  /** The clock: picks the VM key's rotation window. */
  readonly now: Date;
}

/** The stack's outputs. None holds a credential. */
export interface EnvironmentStackOutputs {
  readonly environment: string;
  readonly tailnetPolicy: pulumi.Output<PolicyStatus>;
  /** The VM credential's facts (kind, tags, expiry, next renewal, where delivered), never its value. */
  readonly vmCredential: pulumi.Output<CredentialStatus>;
  /** `Kind/namespace/name` of every object applied. */
  readonly appliedObjects: readonly string[];
}

/**
 * Rolls one environment, in order: its entries in the tailnet policy, then the VM credential
 * minted for the tag that policy owns, then the manifests that read the credential.
 */
export async function environmentStack(inputs: EnvironmentStackInputs): Promise<EnvironmentStackOutputs> {
  const { model, environment: env, config, now } = inputs;
  const manifests = synthesizeEnvironment(env);
  const providers = createProviders(env, config);

  const planned = await planTailnetPolicy(model, env, await readLivePolicy(providers.tailscale), config);
  const policy = new TailnetPolicy('tailnet-policy', { ...planned, config });

  const credential = new MintedVmCredential('vm-credential', {
    environment: env,
    credential: env.vmCredential,
    secret: { name: manifests.chart.vmCredential.secretName, key: manifests.chart.vmCredential.key },
    now,
    tagPolicy: policy.document,
    tailscaleProvider: providers.tailscale,
    kubernetesProvider: providers.kubernetes,
  });

  const applied = new AppliedManifests('manifests', {
    environment: env,
    objects: manifests.objects,
    secrets: [credential.secret],
    provider: providers.kubernetes,
  });

  return {
    environment: env.name,
    tailnetPolicy: policy.status,
    vmCredential: credential.status,
    appliedObjects: [...applied.resources.keys()],
  };
}
