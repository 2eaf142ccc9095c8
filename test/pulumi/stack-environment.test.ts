import * as pulumi from '@pulumi/pulumi';
import { loadModel } from '../../src/config/load';
import { IDENTITY_TOKEN_VARIABLE, PULUMI_PROJECT, STACK_CONFIG_KEYS, readStackConfig } from '../../src/pulumi/stack-config';
import { environmentForStack } from '../../src/pulumi/stack-environment';
import { ENVIRONMENTS, ENVIRONMENT_LIST, unusedEnvironmentName } from '../fixtures';
import { resolved } from '../../src/pulumi/offline-run';

const model = loadModel();
const key = (name: string): string => `${PULUMI_PROJECT}:${name}`;

describe('stack → environment', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name]))('stack "%s" deploys the environment of that name', (name) => {
    expect(environmentForStack(model, name).name).toBe(name);
  });

  test('fails when the stack names no environment, listing the stacks that do', () => {
    const stack = unusedEnvironmentName('prod');
    expect(() => environmentForStack(model, stack)).toThrow(
      new RegExp(`^Pulumi stack "${stack}" deploys no environment: Unknown environment "${stack}"; known environments: ${ENVIRONMENT_LIST}\\. .*Fix: \`pulumi stack select <environment>\``),
    );
  });
});

describe('stack configuration', () => {
  afterEach(() => pulumi.runtime.setAllConfig({}));
  const common = {
    [key(STACK_CONFIG_KEYS.kubeContext)]: 'tuist-staging',
    [key(STACK_CONFIG_KEYS.tailnetId)]: 'T1234',
    [key(STACK_CONFIG_KEYS.tailscaleClientId)]: 'client-id',
    [key(STACK_CONFIG_KEYS.policyOwnershipKey)]: 'k'.repeat(44),
  };
  const secrets = [key(STACK_CONFIG_KEYS.tailscaleOauthClientSecret), key(STACK_CONFIG_KEYS.policyOwnershipKey)];

  test('in CI: the federated identity\'s client ID in plain text and the workflow\'s OIDC token from the environment; no long-lived secret needed', async () => {
    pulumi.runtime.setAllConfig(common, secrets);
    const config = readStackConfig(undefined, { [IDENTITY_TOKEN_VARIABLE]: 'header.payload.signature' });
    expect(config.tailscale).toEqual({ kind: 'federated', clientId: 'client-id', tokenVariable: IDENTITY_TOKEN_VARIABLE });
    // The token itself is read by whoever calls the API, when it runs: it is in no config value, input or state.
    expect(JSON.stringify(config.tailscale)).not.toContain('header.payload.signature');
    expect(await pulumi.isSecret(config.policyOwnershipKey)).toBe(true);
  });

  test('on a person\'s machine: the OAuth client secret, only as a secret', async () => {
    pulumi.runtime.setAllConfig({ ...common, [key(STACK_CONFIG_KEYS.tailscaleOauthClientSecret)]: 'client-secret' }, secrets);
    const config = readStackConfig(undefined, {});
    expect(config.kubeContext).toBe('tuist-staging');
    expect(config.tailnetId).toBe('T1234');
    expect(config.tailscale.kind).toBe('oauth-client');
    const secret = (config.tailscale as { clientSecret: pulumi.Output<string> }).clientSecret;
    expect(await pulumi.isSecret(secret)).toBe(true);
    expect(await resolved(secret)).toBe('client-secret');
  });

  test('fails without any Tailscale credential, saying how to provide one in CI and on a machine', () => {
    pulumi.runtime.setAllConfig(common, secrets);
    expect(() => readStackConfig(undefined, {})).toThrow(/has no Tailscale credential: neither TAILSCALE_IDENTITY_TOKEN .* nor the stack secret tailscaleOauthClientSecret .*Fix: in CI, request an OIDC token \(permissions: id-token: write\) and export it as TAILSCALE_IDENTITY_TOKEN; on your machine, `pulumi config set --secret tailscaleOauthClientSecret/);
  });

  test('fails without an ownership key, with the command that creates one', () => {
    const { [key(STACK_CONFIG_KEYS.policyOwnershipKey)]: _key, ...rest } = common;
    pulumi.runtime.setAllConfig(rest, secrets);
    expect(() => readStackConfig(undefined, { [IDENTITY_TOKEN_VARIABLE]: 'x' })).toThrow(/has no policyOwnershipKey: .*Fix \(once per stack, keep it for the stack's life\): pulumi config set --secret policyOwnershipKey "\$\(openssl rand -base64 32\)"/);
  });

  test('fails when a key is missing, naming the command that sets it', () => {
    pulumi.runtime.setAllConfig({ [key(STACK_CONFIG_KEYS.tailnetId)]: 'T1234' });
    expect(() => readStackConfig(undefined, {})).toThrow(/Missing required configuration variable 'tuist-tailnet-pooler:tailscaleClientId'[\s\S]*pulumi config set tuist-tailnet-pooler:tailscaleClientId/);
  });
});
