import { production } from '../fixtures';
import { credentialResource, describeEnvironmentStack } from './environment-stack-contract';
import { runStack } from './run-stack';

describeEnvironmentStack(production);

describe('stack "production"', () => {
  test('registers its policy, its VM credential and its Secret, and its six objects', async () => {
    const { resources } = await runStack(production);
    expect(resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:Deployment tuist/tuist-tuist-processor',
      'kubernetes:apps/v1:Deployment tuist/tuist-tuist-xcresult-processor',
      'kubernetes:core/v1:Secret vm-credential-secret',
      'kubernetes:external-secrets.io/v1:ExternalSecret tuist/tuist-tuist-processor-external-secrets',
      'kubernetes:policy/v1:PodDisruptionBudget tuist/tuist-tuist-processor',
      'kubernetes:policy/v1:PodDisruptionBudget tuist/tuist-tuist-xcresult-processor',
      'kubernetes:postgresql.cnpg.io/v1:Pooler tuist/tuist-tuist-pg-pooler-rw',
      'pulumi:providers:kubernetes kubernetes-production',
      'pulumi:providers:tailscale tailscale-tuist',
      'pulumi-nodejs:dynamic/tailnet:PolicyDocument tailnet-policy-document',
      credentialResource(production),
    ].sort());
  });

  test('protects its stateful objects (pooler, ExternalSecrets) and nothing else', async () => {
    const { resources } = await runStack(production);
    expect(resources.filter((r) => r.protect).map((r) => r.name).sort()).toEqual(['tuist/tuist-tuist-pg-pooler-rw', 'tuist/tuist-tuist-processor-external-secrets']);
  });

});
