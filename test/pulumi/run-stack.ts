/** Runs an environment's whole stack program offline, as the per-environment tests need it. */
import * as pulumi from '@pulumi/pulumi';
import { type Model, loadModel } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/types';
import { environmentStack } from '../../src/pulumi/environment-stack';
import { type OfflineRunOptions, type RecordedResource, runOffline } from '../../src/pulumi/offline-run';
import type { StackConfig } from '../../src/pulumi/stack-config';
import { policyFromCode } from '../../src/pulumi/tailnet-policy';

export const NOW = new Date('2026-03-10T12:00:00Z');

export const TEST_CONFIG = {
  kubeContext: 'tuist-test-context',
  tailnetId: 'T-test-tailnet',
  overwriteUnmanagedPolicy: false,
} as const;

export interface StackRunOptions extends Partial<Omit<OfflineRunOptions, 'stack'>> {
  readonly model?: Model;
  readonly overwriteUnmanagedPolicy?: boolean;
}

export async function runStack(env: EnvironmentConfig, options: StackRunOptions = {}) {
  const model = options.model ?? loadModel();
  const now = options.now ?? NOW;
  const config = (): StackConfig => ({
    ...TEST_CONFIG,
    tailscaleOauthClientId: pulumi.secret('test-client-id'),
    tailscaleOauthClientSecret: pulumi.secret('test-client-secret'),
    overwriteUnmanagedPolicy: options.overwriteUnmanagedPolicy ?? false,
  });
  const run = await runOffline({
    stack: env.name,
    now,
    livePolicy: options.livePolicy ?? policyFromCode(model, env.tailnet.tailnet),
    preview: options.preview ?? false,
    ...(options.livePolicyAfterWrite === undefined ? {} : { livePolicyAfterWrite: options.livePolicyAfterWrite }),
  }, () => environmentStack({ model, environment: env, config: config(), now }));
  return { ...run, model, ...lookups(run.resources) };
}

function lookups(resources: readonly RecordedResource[]) {
  const ofType = (type: string): RecordedResource[] => resources.filter((r) => r.type === type);
  const one = (type: string): RecordedResource => {
    const found = ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`);
    return found[0]!;
  };
  const providerOf = (r: RecordedResource): RecordedResource | undefined => resources.find((p) => r.provider.startsWith(`${p.urn}::`));
  return { ofType, one, providerOf };
}
