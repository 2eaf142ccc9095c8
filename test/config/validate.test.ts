import { ConfigError, loadModel } from '../../src/config/load';
import { validateEnvironments } from '../../src/config/validate';
import { type DeepMutable, ENVIRONMENTS, TAILNETS, canary, production, staging, variant } from '../fixtures';
import type { EnvironmentConfig } from '../../src/config/types';

/** Problems of `envs` (the committed ones with `changed` swapped in). */
function problemsOf(changed: EnvironmentConfig): string[] {
  const envs = ENVIRONMENTS.map((e) => (e.name === changed.name ? changed : e));
  return validateEnvironments(envs, TAILNETS).map((p) => `${p.environment} ${p.path}: ${p.message}`);
}

function expectOnly(base: EnvironmentConfig, mutate: (d: DeepMutable<EnvironmentConfig>) => void, path: string, message: RegExp): void {
  const problems = problemsOf(variant(base, mutate));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain(`${base.name} ${path}:`);
  expect(problems[0]).toMatch(message);
}

describe('configuration validation', () => {
  test('the committed environments are valid', () => {
    expect(validateEnvironments(ENVIRONMENTS, TAILNETS)).toEqual([]);
  });

  test('fails when the pooler hostname is not one DNS label', () => {
    expectOnly(staging, (d) => { (d.pooler.tailnetExposure as any).hostname = 'tuist.pg.pooler-staging'; }, 'pooler.tailnetExposure.hostname', /not one DNS label/);
  });

  test('fails when the pooler hostname is longer than 63 characters', () => {
    expectOnly(staging, (d) => { (d.pooler.tailnetExposure as any).hostname = `${'a'.repeat(56)}-staging`; }, 'pooler.tailnetExposure.hostname', /at most 63 characters/);
  });

  test('fails when the pooler hostname belongs to another environment', () => {
    const problems = problemsOf(variant(canary, (d) => { (d.pooler.tailnetExposure as any).hostname = 'tuist-pg-pooler-production'; }));
    expect(problems.join('\n')).toMatch(/canary pooler.tailnetExposure.hostname: "tuist-pg-pooler-production" does not belong to environment "canary"/);
  });

  test('fails when canary\'s proxy carries the production tag (the reference deployment\'s mistake)', () => {
    expectOnly(canary, (d) => { (d.pooler.tailnetExposure as any).tags = ['tag:tuist-k8s-production']; }, 'pooler.tailnetExposure.tags[0]', /belongs to another environment; this environment's tags end in "-canary"/);
  });

  test('fails when a tag has a space or bad syntax', () => {
    expectOnly(staging, (d) => { d.tailnet.vmTag = 'tag: tuist-macmini-staging'; }, 'tailnet.vmTag', /not a Tailscale tag/);
    expectOnly(staging, (d) => { d.tailnet.vmTag = 'tuist-macmini-staging'; }, 'tailnet.vmTag', /not a Tailscale tag/);
    expectOnly(staging, (d) => { d.tailnet.vmTag = 'tag:9tuist-staging'; }, 'tailnet.vmTag', /not a Tailscale tag/);
  });

  test('fails when the proxy tag is not the environment\'s cluster tag', () => {
    expectOnly(staging, (d) => { (d.pooler.tailnetExposure as any).tags = [d.tailnet.vmTag]; }, 'pooler.tailnetExposure.tags[0]', /gets a tag of its own/);
  });

  test('fails when an image tag floats, in every environment, naming the tag and what is allowed', () => {
    for (const [base, tag] of [[staging, 'latest'], [canary, 'main'], [production, 'stable'], [staging, 'feature-login'], [production, 'c6d08f92']] as const) {
      expectOnly(base, (d) => { d.processor.image.tag = tag; }, 'processor.image.tag', new RegExp(`"${tag}" is a floating tag.*Allowed: a CI build tag "sha-<7 to 40 lowercase hex>", a semver release .* Fix: run \`npm run set-image\``));
    }
    expectOnly(canary, (d) => { d.xcresultProcessor.image.tag = 'sha-XYZ'; }, 'xcresultProcessor.image.tag', /"sha-XYZ" is a floating tag/);
  });

  test('accepts CI build tags, semver releases and digests in every environment', () => {
    for (const base of [staging, canary, production]) {
      for (const tag of ['sha-0123456789ab', 'sha-0123456', '4.113.0', 'v0.9.1-rc.1', `sha256:${'a'.repeat(64)}`]) {
        expect(problemsOf(variant(base, (d) => { d.processor.image.tag = tag; d.xcresultProcessor.image.tag = tag; }))).toEqual([]);
      }
    }
  });

  test('fails when an image tag is not a tag a registry accepts', () => {
    expectOnly(staging, (d) => { d.processor.image.tag = 'bad tag'; }, 'processor.image.tag', /not an image tag/);
    expectOnly(staging, (d) => { d.processor.image.tag = `-${'a'.repeat(10)}`; }, 'processor.image.tag', /not an image tag/);
    expectOnly(staging, (d) => { d.xcresultProcessor.image.tag = ''; }, 'xcresultProcessor.image.tag', /not an image tag/);
  });

  test('fails when production runs fewer than two poolers', () => {
    expectOnly(production, (d) => { d.pooler.instances = 1; }, 'pooler.instances', /production runs at least 2/);
  });

  test('fails when a PgBouncer parameter is not on CNPG\'s allow-list', () => {
    expectOnly(staging, (d) => { (d.pooler.parameters as any).listen_port = '6432'; }, 'pooler.parameters.listen_port', /not on CNPG's PgBouncer allow-list/);
  });

  test('fails when a PgBouncer parameter is not a string', () => {
    expectOnly(staging, (d) => { (d.pooler.parameters as any).default_pool_size = 20; }, 'pooler.parameters.default_pool_size', /20 is a number; it must be a string/);
  });

  test('fails when names are not DNS-1123', () => {
    expectOnly(staging, (d) => { d.namespace = 'Tuist_Staging'; }, 'namespace', /not one DNS label/);
    expectOnly(staging, (d) => { d.release.fullname = 'tuist.tuist'; }, 'release.fullname', /"tuist\.tuist" is not one DNS label.*Helm release's fullname/);
  });

  test('fails when the release fullname makes an object name longer than a DNS label', () => {
    const problems = problemsOf(variant(staging, (d) => { d.release.fullname = 'a'.repeat(40); }));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(/^staging release\.fullname: "a{40}" makes the \w+ name "a{40}-[a-z-]+", which is not one DNS label.*Fix: shorten the fullname/);
  });

  test('fails when the VMs read the tailnet URL but the pooler is not exposed', () => {
    const problems = problemsOf(variant(staging, (d) => { d.pooler.tailnetExposure = { enabled: false }; }));
    expect(problems.join('\n')).toMatch(/databaseUrlSecretKey: "xcresult-processor-database-url" is only rendered when the pooler is exposed/);
    expect(problems.join('\n')).toMatch(/tailnetJoin: is true but the pooler is not exposed/);
  });

  test('fails when VMs on the tailnet read the in-cluster URL', () => {
    expectOnly(staging, (d) => { d.xcresultProcessor.databaseUrlSecretKey = 'processor-database-url'; }, 'xcresultProcessor.databaseUrlSecretKey', /in-cluster Service, which they cannot reach/);
  });

  test('fails when VMs read the tailnet URL without joining the tailnet', () => {
    expectOnly(staging, (d) => { d.xcresultProcessor.tailnetJoin = false; }, 'xcresultProcessor.tailnetJoin', /a VM off the tailnet cannot reach/);
  });

  test('fails when a vault reference lacks its item or property (items are named alike in every environment\'s vault)', () => {
    expectOnly(canary, (d) => { d.processorSecrets.databasePassword.property = ''; }, 'processorSecrets.databasePassword', /needs both key and property/);
    expect(problemsOf(variant(canary, (d) => { d.processorSecrets.databasePassword = { ...staging.processorSecrets.databasePassword }; }))).toEqual([]);
  });

  test('fails when the fleet has no hosts', () => {
    expectOnly(staging, (d) => { d.xcresultProcessor.fleet.hosts = 0; }, 'xcresultProcessor.fleet.hosts', /0 must be a whole number of Mac mini hosts, at least 1/);
  });

  test('fails when an auth key would not be rotated before it expires', () => {
    const withKey = variant(staging, (d) => { d.vmCredential = { kind: 'auth-key', expiryDays: 30, rotateBeforeExpiryDays: 14 }; });
    expect(validateEnvironments([withKey], TAILNETS)).toEqual([]);
    expectOnly(withKey, (d) => { (d.vmCredential as any).rotateBeforeExpiryDays = 30; }, 'vmCredential.rotateBeforeExpiryDays', /less than expiryDays/);
    expectOnly(withKey, (d) => { (d.vmCredential as any).expiryDays = 91; }, 'vmCredential.expiryDays', /from 1 to 90/);
  });

  test('fails when requests exceed limits or quantities are malformed', () => {
    expectOnly(staging, (d) => { d.xcresultProcessor.resources.requests.memory = '8Gi'; }, 'xcresultProcessor.resources.requests.memory', /exceeds limit 4Gi/);
    expectOnly(staging, (d) => { d.processor.resources.limits.cpu = 'two'; }, 'processor.resources.limits.cpu', /not a quantity/);
  });

  test('fails when an environment names an undeclared tailnet', () => {
    expectOnly(staging, (d) => { d.tailnet.tailnet = 'nope'; }, 'tailnet.tailnet', /not a declared tailnet/);
  });

  test('fails when a policy port is not one port, has no purpose, repeats, or puts the pooler on the cluster tag', () => {
    expectOnly(staging, (d) => { d.policy.clusterToVm = [{ proto: 'tcp', port: 65536, purpose: 'x' }]; }, 'policy.clusterToVm[0].port', /not one port from 1 to 65535/);
    expectOnly(staging, (d) => { d.policy.vmToCluster = [{ proto: 'tcp', port: 4317, purpose: ' ' }]; }, 'policy.vmToCluster[0].purpose', /say what listens/);
    expectOnly(staging, (d) => { d.policy.vmToCluster = [{ proto: 'tcp', port: 4317, purpose: 'a' }, { proto: 'tcp', port: 4317, purpose: 'b' }]; }, 'policy.vmToCluster[1]', /already listed at policy.vmToCluster\[0\]/);
    expectOnly(staging, (d) => { d.policy.vmToCluster = [{ proto: 'tcp', port: 5432, purpose: 'pooler' }]; }, 'policy.vmToCluster[0]', /pooler proxy's own tag/);
  });

  test('fails when the pooler proxy shares the cluster or VM tag instead of a tag of its own', () => {
    expectOnly(staging, (d) => { (d.pooler.tailnetExposure as any).tags = [d.tailnet.clusterTag]; }, 'pooler.tailnetExposure.tags[0]', /gets a tag of its own/);
  });

  test('fails when a PodDisruptionBudget is not a count of pods', () => {
    expectOnly(production, (d) => { d.processor.podDisruptionBudget = { enabled: true, minAvailable: -1 }; }, 'processor.podDisruptionBudget.minAvailable', /-1 must be a whole number of at least 0/);
  });

  test('fails when two environments share a namespace', () => {
    const problems = problemsOf(variant(canary, (d) => { d.namespace = 'tuist'; }));
    expect(problems).toEqual(['production namespace: "tuist" is already used by environment "canary"; environments never share names, namespaces, tags or hostnames.']);
  });

  test('collects every problem at once, and the loader names the environment and field', () => {
    const broken = variant(canary, (d) => {
      d.xcresultProcessor.image.tag = 'latest';
      (d.pooler.tailnetExposure as any).tags = ['tag:tuist-k8s-production'];
    });
    const envs = [staging, broken, production];
    expect(() => loadModel(envs, TAILNETS)).toThrow(ConfigError);
    try {
      loadModel(envs, TAILNETS);
    } catch (error) {
      const { message, problems } = error as ConfigError;
      expect(problems).toHaveLength(2);
      expect(message).toMatch(/^Invalid configuration for environment\(s\) canary \(2 problem\(s\)\)/);
      expect(message).toContain('environment "canary", xcresultProcessor.image.tag: "latest" is a floating tag');
      expect(message).toContain('environment "canary", pooler.tailnetExposure.tags[0]: "tag:tuist-k8s-production" belongs to another environment');
    }
  });
});
