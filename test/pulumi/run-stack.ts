/** Runs an environment's whole stack program offline, as the per-environment tests need it. */
import * as pulumi from '@pulumi/pulumi';
import { type Model, loadModel } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/types';
import { environmentStack } from '../../src/pulumi/environment-stack';
import { type OfflineRunOptions, type RecordedResource, policyFromCode, runOffline } from '../../src/pulumi/offline-run';
import type { StackConfig } from '../../src/pulumi/stack-config';

export const NOW = new Date('2026-03-10T12:00:00Z');

export const TEST_CONFIG = {
  kubeContext: 'tuist-test-context',
  tailnetId: 'T-test-tailnet',
  clientId: 'test-client-id',
} as const;

/** Each environment's ownership key in the tests (the real ones live only in the stacks' secret config). */
export const testKey = (environment: string): string => `test-ownership-key-of-${environment}`.padEnd(44, '#');

export interface StackRunOptions extends Partial<Omit<OfflineRunOptions, 'stack'>> {
  readonly model?: Model;
  /** Authenticate as CI does (federated identity) instead of with an OAuth client secret. */
  readonly federated?: boolean;
}

export async function runStack(env: EnvironmentConfig, options: StackRunOptions = {}) {
  const model = options.model ?? loadModel();
  const now = options.now ?? NOW;
  const config = (): StackConfig => ({
    kubeContext: TEST_CONFIG.kubeContext,
    tailnetId: TEST_CONFIG.tailnetId,
    tailscale: options.federated === true
      ? { kind: 'federated', clientId: TEST_CONFIG.clientId, tokenVariable: 'TAILSCALE_IDENTITY_TOKEN' }
      : { kind: 'oauth-client', clientId: TEST_CONFIG.clientId, clientSecret: pulumi.secret('test-client-secret') },
    policyOwnershipKey: pulumi.secret(testKey(env.name)),
  });
  const run = await runOffline({
    stack: env.name,
    now,
    livePolicy: options.livePolicy ?? steadyState(model, env.tailnet.tailnet),
    preview: options.preview ?? false,
    ...(options.concurrentWriter === undefined ? {} : { concurrentWriter: options.concurrentWriter }),
  }, () => environmentStack({ model, environment: env, config: config(), now }));
  return { ...run, model, ...lookups(run.resources) };
}

/**
 * What the tailnet holds once every environment on it deployed this commit, signed with the
 * test keys. A pure function of its arguments, which the stack tests ask for again and again
 * (each answer plans every environment's write): remembered per test file, by content.
 */
export function steadyState(model: Model, tailnet: string, live = ''): string {
  const key = JSON.stringify([model, tailnet, live]);
  let state = STEADY_STATES.get(key);
  if (state === undefined) STEADY_STATES.set(key, (state = policyFromCode(model, tailnet, live, testKey)));
  return state;
}
const STEADY_STATES = new Map<string, string>();

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
