import * as pulumi from '@pulumi/pulumi';
import { loadModel } from '../../src/config/load';
import { PULUMI_PROJECT, STACK_CONFIG_KEYS, readStackConfig } from '../../src/pulumi/stack-config';
import { environmentForStack } from '../../src/pulumi/stack-environment';
import { ENVIRONMENTS } from '../fixtures';
import { resolved } from '../../src/pulumi/offline-run';

const model = loadModel();
const key = (name: string): string => `${PULUMI_PROJECT}:${name}`;

describe('stack → environment', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name]))('stack "%s" deploys the environment of that name', (name) => {
    expect(environmentForStack(model, name).name).toBe(name);
  });

  test('fails when the stack names no environment, listing the stacks that do', () => {
    expect(() => environmentForStack(model, 'prod')).toThrow(
      /^Pulumi stack "prod" deploys no environment: Unknown environment "prod"; known environments: staging, canary, production\. .*Fix: `pulumi stack select <environment>`/,
    );
  });
});

describe('stack configuration', () => {
  afterEach(() => pulumi.runtime.setAllConfig({}));

  test('reads the cluster context and tailnet in plain text, and the Tailscale client only as secrets', async () => {
    pulumi.runtime.setAllConfig({
      [key(STACK_CONFIG_KEYS.kubeContext)]: 'tuist-staging',
      [key(STACK_CONFIG_KEYS.tailnetId)]: 'T1234',
      [key(STACK_CONFIG_KEYS.tailscaleOauthClientId)]: 'client-id',
      [key(STACK_CONFIG_KEYS.tailscaleOauthClientSecret)]: 'client-secret',
    }, [key(STACK_CONFIG_KEYS.tailscaleOauthClientSecret)]);
    const config = readStackConfig();
    expect(config.kubeContext).toBe('tuist-staging');
    expect(config.tailnetId).toBe('T1234');
    expect(await pulumi.isSecret(config.tailscaleOauthClientSecret)).toBe(true);
    expect(await pulumi.isSecret(config.tailscaleOauthClientId)).toBe(true);
    expect(await resolved(config.tailscaleOauthClientSecret)).toBe('client-secret');
  });

  test('fails when a key is missing, naming the command that sets it', () => {
    pulumi.runtime.setAllConfig({ [key(STACK_CONFIG_KEYS.tailnetId)]: 'T1234' });
    expect(() => readStackConfig()).toThrow(/Missing required configuration variable 'tuist-tailnet-pooler:kubeContext'[\s\S]*pulumi config set tuist-tailnet-pooler:kubeContext/);
  });
});
