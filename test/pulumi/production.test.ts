import { RESOURCE_TYPES } from '../../src/pulumi/guard-rails';
import { production } from '../fixtures';
import { describeEnvironmentStack } from './environment-stack-contract';
import { runStack } from './run-stack';

describeEnvironmentStack(production);

describe('stack "production"', () => {
  test('registers its policy, a rotated auth key and its Secret, and its six objects', async () => {
    const { resources } = await runStack(production);
    expect(resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:Deployment tuist/tuist-processor',
      'kubernetes:apps/v1:Deployment tuist/tuist-xcresult-processor',
      'kubernetes:core/v1:Secret vm-credential-secret',
      'kubernetes:external-secrets.io/v1:ExternalSecret tuist/tuist-processor-database',
      'kubernetes:policy/v1:PodDisruptionBudget tuist/tuist-processor',
      'kubernetes:policy/v1:PodDisruptionBudget tuist/tuist-xcresult-processor',
      'kubernetes:postgresql.cnpg.io/v1:Pooler tuist/tuist-pg-pooler-rw',
      'pulumi-nodejs:dynamic/tailnet:PolicyDocument tailnet-policy-document',
      'pulumi:providers:kubernetes kubernetes-production',
      'pulumi:providers:tailscale tailscale-tuist',
      'tailscale:index/tailnetKey:TailnetKey vm-credential-auth-key',
    ]);
  });

  test('protects its stateful objects (pooler, ExternalSecrets) and nothing else', async () => {
    const { resources } = await runStack(production);
    expect(resources.filter((r) => r.protect).map((r) => r.name).sort()).toEqual(['tuist/tuist-pg-pooler-rw', 'tuist/tuist-processor-database']);
  });

  test('the key is tagged with production\'s VM tag only and lives 30 days', async () => {
    const { one } = await runStack(production);
    expect(one(RESOURCE_TYPES.tailnetKey).inputs).toMatchObject({ tags: ['tag:tuist-macmini-production'], expiry: 30 * 86_400, reusable: true, preauthorized: true });
  });
});
