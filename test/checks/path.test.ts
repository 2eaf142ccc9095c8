import fc from 'fast-check';
import { ESCAPED_PASSWORD_EXPRESSION } from '../../src/k8s/database-url';
import { runChecks } from '../../src/checks/run';
import { vmCredentialTags } from '../../src/config/names';
import {
  container, env, expectOnlyFailure, linux, pick, pooler, processorSecret, resultOf, runBroken, validInput, xcresult,
} from './helpers';
import { poolerProxyTags } from '../../src/tailnet/paths';
import type { EnvironmentConfig } from '../../src/config/types';
import { canary, production, staging } from '../fixtures';

const proxyTagOf = (e: EnvironmentConfig): string => poolerProxyTags(e)[0]!;

// The real vmCredentialTags, except where a test makes it return a wrong tag: no configuration
// can (it derives the tag), but the check's failure must still be proven.
jest.mock('../../src/config/names', () => {
  const actual = jest.requireActual('../../src/config/names');
  return { ...actual, vmCredentialTags: jest.fn(actual.vmCredentialTags) };
});

describe('path proof', () => {
  test('every environment passes on the committed configuration (the endpoints inside Secrets are assumed, not proven)', () => {
    const run = runChecks(validInput());
    const names = validInput().environments.map((e) => e.environment.name);
    expect(run.ok).toBe(true);
    const notPassed = run.results.filter((r) => r.status !== 'pass').map((r) => `${r.check} @ ${r.environment}: ${r.status}`);
    // Isolation is assumed, not proven, while a people-owned rule (the live catch-all) opens cross-environment paths;
    // the endpoints inside cluster-provided Secrets only by their declaration.
    const peopleOpen = validInput().policies.some((p) => p.isolation.some((f) => f.owner === 'people'));
    expect(notPassed.sort()).toEqual([
      ...(peopleOpen ? names.map((e) => `path.tailnet-isolation @ ${e}: assumed`) : []),
      ...names.map((e) => `path.vm-secret-endpoints @ ${e}: assumed`),
    ].sort());
    expect(new Set(run.results.map((r) => r.environment))).toEqual(new Set(names));
  });

  describe('path.database-url-key', () => {
    test('fails when the VM reads a key the ExternalSecret does not write', () => {
      const run = runBroken('canary', (objects) => { env(xcresult(objects), 'DATABASE_URL').valueFrom.secretKeyRef.key = 'database-url'; });
      const failure = expectOnlyFailure(run, 'path.database-url-key', 'canary');
      expect(failure.message).toMatch(/key "database-url" of Secret "tuist-tuist-processor-external-secrets".*writes only the keys processor-database-url, xcresult-processor-database-url/);
      expect(resultOf(run, 'path.database-url-host', 'canary').status).toBe('skip');
    });

    test('fails when the VM reads a Secret that no ExternalSecret in its namespace writes', () => {
      const run = runBroken('staging', (objects) => { env(xcresult(objects), 'DATABASE_URL').valueFrom.secretKeyRef.name = 'tuist-database'; });
      expect(expectOnlyFailure(run, 'path.database-url-key', 'staging').message).toMatch(/no ExternalSecret in namespace "tuist-staging" writes a Secret of that name/);
    });

    test('fails when DATABASE_URL is a literal instead of a Secret key', () => {
      const run = runBroken('production', (objects) => {
        const variable = env(xcresult(objects), 'DATABASE_URL');
        delete variable.valueFrom;
        variable.value = 'postgres://tuist-pg-pooler-production:5432/tuist';
      });
      expect(expectOnlyFailure(run, 'path.database-url-key', 'production').message).toMatch(/DATABASE_URL is not read from a Secret key/);
    });
  });

  describe('path.database-url-host', () => {
    const setVmUrl = (objects: any[], url: string): void => { processorSecret(objects).spec.target.template.data['xcresult-processor-database-url'] = url; };

    test('fails when the VM URL names the in-cluster Service, which the VM cannot reach', () => {
      const run = runBroken('canary', (objects) => setVmUrl(objects, `postgres://tuist_processor:${ESCAPED_PASSWORD_EXPRESSION}@tuist-tuist-pg-pooler-rw.tuist-canary.svc:5432/tuist`));
      const failure = expectOnlyFailure(run, 'path.database-url-host', 'canary');
      expect(failure.message).toMatch(/host is "tuist-tuist-pg-pooler-rw.tuist-canary.svc", but Pooler tuist-tuist-pg-pooler-rw's tailnet hostname is "tuist-pg-pooler-canary"/);
      expect(failure.fix).toMatch(/"tuist-pg-pooler-canary"/);
    });

    test('fails when the URL names another port than the pooler\'s 5432', () => {
      const run = runBroken('staging', (objects) => setVmUrl(objects, `postgres://tuist_processor:${ESCAPED_PASSWORD_EXPRESSION}@tuist-pg-pooler-staging:6432/tuist`));
      expect(expectOnlyFailure(run, 'path.database-url-host', 'staging').message).toMatch(/port is 6432; the pooler's Service listens on 5432/);
    });

    test('fails when the password is not URL-escaped (a generated password moves the host)', () => {
      const run = runBroken('production', (objects) => setVmUrl(objects, 'postgres://tuist_processor:{{ .password }}@tuist-pg-pooler-production:5432/tuist'));
      const failure = expectOnlyFailure(run, 'path.database-url-host', 'production');
      expect(failure.message).toMatch(/the URL no longer parses, not tuist-pg-pooler-production:5432: the password is not URL-escaped/);
      expect(failure.fix).toMatch(/urlquery/);
    });

    test('fails when a space in the password would reach libpq as "+" (urlquery alone)', () => {
      const run = runBroken('canary', (objects) => setVmUrl(objects, 'postgres://tuist_processor:{{ .password | urlquery }}@tuist-pg-pooler-canary:5432/tuist'));
      const failure = expectOnlyFailure(run, 'path.database-url-host', 'canary');
      expect(failure.message).toMatch(/reaches the client as "p@ss:w\/rd\?#\[\]\+%\+&="/);
      expect(failure.fix).toContain(ESCAPED_PASSWORD_EXPRESSION);
    });

    test('fails when the hostname annotation is gone (the VMs are not on the pod network)', () => {
      const run = runBroken('canary', (objects) => { delete pooler(objects).spec.serviceTemplate.metadata.annotations['tailscale.com/hostname']; });
      expect(expectOnlyFailure(run, 'path.database-url-host', 'canary').message).toMatch(/has no tailscale.com\/hostname annotation/);
    });
  });

  describe('path.pooler-exposure', () => {
    test('fails when the Service is not exposed', () => {
      const run = runBroken('staging', (objects) => { pooler(objects).spec.serviceTemplate.metadata.annotations['tailscale.com/expose'] = 'false'; });
      expect(expectOnlyFailure(run, 'path.pooler-exposure', 'staging').message).toMatch(/tailscale.com\/expose is "false"/);
    });

    test('fails when the proxy carries a tag besides its own', () => {
      const own = poolerProxyTags(canary).join(',');
      const run = runBroken('canary', (objects) => { pooler(objects).spec.serviceTemplate.metadata.annotations['tailscale.com/tags'] = `${own},tag:tuist-debug-canary`; });
      const failure = expectOnlyFailure(run, 'path.pooler-exposure', 'canary');
      expect(failure.message).toContain(`"${own},tag:tuist-debug-canary"; the pooler proxy's tags are "${own}"`);
    });
  });

  describe('path.policy-grant', () => {
    test('fails when the tailnet policy has no grant from the VM tag to the proxy\'s tag on tcp:5432', () => {
      const input = validInput();
      const tuist = input.policies.find((p) => p.tailnet.name === 'tuist')!;
      tuist.document.grants = tuist.document.grants.filter((g) => !(g.src.includes('tag:tuist-macmini-canary') && (g.ip ?? []).includes('tcp:5432')));
      const run = runChecks(input);
      const failure = expectOnlyFailure(run, 'path.policy-grant', 'canary');
      const proxyTag = proxyTagOf(canary);
      expect(failure.message).toContain(`In tailnet "tuist", no grant lets tag:tuist-macmini-canary reach the proxy's tag ${proxyTag} on tcp:5432`);
      expect(failure.fix).toContain(`Grant tag:tuist-macmini-canary → ${proxyTag} on tcp:5432`);
    });

    test('fails when the grant opens another port than the pooler\'s', () => {
      const input = validInput();
      const grant = input.policies[0]!.document.grants.find((g) => g.src.includes('tag:tuist-macmini-staging') && (g.ip ?? []).includes('tcp:5432'))!;
      grant.ip = ['tcp:6432'];
      expectOnlyFailure(runChecks(input), 'path.policy-grant', 'staging');
    });

    test('names the grant that lets the VMs in', () => {
      expect(resultOf(runChecks(validInput()), 'path.policy-grant', 'production').message)
        .toMatch(new RegExp(`^In tailnet "tuist", grants\\[\\d+\\] \\(tag:tuist-macmini-production → ${proxyTagOf(production)} on tcp:5432\\) lets tag:tuist-macmini-production reach the proxy's ${proxyTagOf(production)} on tcp:5432\\.$`));
    });

    test('follows the proxy\'s tags as rendered, not as configured', () => {
      // A proxy tagged with a tag no grant names: the exposure check and the grant check both refuse it.
      const run = runBroken('staging', (objects) => { pooler(objects).spec.serviceTemplate.metadata.annotations['tailscale.com/tags'] = 'tag:tuist-k8s-db-staging'; });
      expect(run.results.filter((r) => r.status === 'fail').map((r) => r.check)).toEqual(['path.pooler-exposure', 'path.policy-grant']);
    });
  });

  describe('path.vm-credential-tags', () => {
    test('fails when the VM asks for another tag than the environment\'s VM tag', () => {
      const run = runBroken('production', (objects) => { env(xcresult(objects), 'TAILSCALE_TAGS').value = 'tag:tuist-macmini-shared'; });
      const failure = expectOnlyFailure(run, 'path.vm-credential-tags', 'production');
      expect(failure.message).toMatch(/TAILSCALE_TAGS is "tag:tuist-macmini-shared"; the VMs must ask for "tag:tuist-macmini-production" only/);
    });

    test('fails when a VM joining with an OAuth client does not say which tags it asks for', () => {
      const run = runBroken('staging', (objects) => {
        const c = container(xcresult(objects));
        c.env = c.env.filter((e: { name: string }) => e.name !== 'TAILSCALE_TAGS');
      });
      expect(expectOnlyFailure(run, 'path.vm-credential-tags', 'staging').message).toMatch(/no TAILSCALE_TAGS; a VM joining with an OAuth client must name the tags/);
    });

    test('passes every environment: its stack mints the credential with its VM tag', () => {
      const run = runChecks(validInput());
      for (const e of run.results.filter((r) => r.check === 'path.vm-credential-tags')) {
        expect(e).toMatchObject({ status: 'pass', message: expect.stringMatching(new RegExp(`mints the oauth-client with tag tag:tuist-macmini-${e.environment} `)) });
      }
    });

    test('fails when the stack would mint the credential with another tag than the VM tag', () => {
      jest.mocked(vmCredentialTags).mockImplementation((e) => (e.name === 'staging' ? ['tag:tuist-macmini-shared'] : [e.tailnet.vmTag]));
      try {
        const failure = expectOnlyFailure(runChecks(validInput()), 'path.vm-credential-tags', 'staging');
        expect(failure.message).toMatch(new RegExp(`mints the ${staging.vmCredential.kind} with tags \\["tag:tuist-macmini-shared"\\] \\(vmCredentialTags\\); it must carry exactly "${staging.tailnet.vmTag}"`));
      } finally {
        jest.mocked(vmCredentialTags).mockImplementation(jest.requireActual('../../src/config/names').vmCredentialTags);
      }
    });
  });

  describe('path.tailscale-auth-key', () => {
    test('fails when the VM reads another Secret than the one the Pulumi stack delivers the credential to', () => {
      const run = runBroken('production', (objects) => { env(xcresult(objects), 'TAILSCALE_AUTH_KEY').valueFrom.secretKeyRef.name = 'tailscale-auth'; });
      const failure = expectOnlyFailure(run, 'path.tailscale-auth-key', 'production');
      expect(failure.message).toMatch(/reads Secret "tailscale-auth", key "auth-key"; the Pulumi stack delivers the credential to Secret "tuist-tuist-capi-scaleway-applesilicon-tailscale"/);
    });

    test('fails when an ExternalSecret also writes the Secret the Pulumi stack owns', () => {
      const run = runBroken('staging', (objects) => {
        const rival = structuredClone(processorSecret(objects));
        rival.metadata.name = 'tuist-tuist-capi-scaleway-applesilicon-tailscale';
        rival.spec.target = { name: 'tuist-tuist-capi-scaleway-applesilicon-tailscale', creationPolicy: 'Owner' };
        rival.spec.data[0].secretKey = 'auth-key';
        objects.push(rival);
      });
      expect(expectOnlyFailure(run, 'path.tailscale-auth-key', 'staging').message).toMatch(/written by the Pulumi stack and also by ExternalSecret tuist-tuist-capi-scaleway-applesilicon-tailscale/);
    });

    test('fails when the VM has no credential, so it never joins the tailnet', () => {
      const run = runBroken('staging', (objects) => {
        const c = container(xcresult(objects));
        c.env = c.env.filter((e: any) => e.name !== 'TAILSCALE_AUTH_KEY');
      });
      expect(expectOnlyFailure(run, 'path.tailscale-auth-key', 'staging').message).toMatch(/no TAILSCALE_AUTH_KEY env var.*never joins the tailnet/);
    });
  });

  describe('path.linux-database-url', () => {
    test('fails when the Linux processor\'s URL names the tailnet hostname instead of the Service', () => {
      const run = runBroken('staging', (objects) => {
        processorSecret(objects).spec.target.template.data['processor-database-url'] = `postgres://tuist_processor:${ESCAPED_PASSWORD_EXPRESSION}@tuist-pg-pooler-staging:5432/tuist`;
      });
      expect(expectOnlyFailure(run, 'path.linux-database-url', 'staging').message).toMatch(/host is "tuist-pg-pooler-staging"; the pooler's Service in its namespace is "tuist-tuist-pg-pooler-rw.tuist-staging.svc"/);
    });

    test('fails when the Linux processor reads the VM key', () => {
      const run = runBroken('canary', (objects) => { env(linux(objects), 'DATABASE_URL').valueFrom.secretKeyRef.key = 'xcresult-processor-database-url'; });
      expect(expectOnlyFailure(run, 'path.linux-database-url', 'canary').message).toMatch(/host is "tuist-pg-pooler-canary"/);
    });
  });

  describe('path.environment-isolation', () => {
    test('fails when canary\'s VM pins production\'s proxies', () => {
      const run = runBroken('canary', (objects) => { env(xcresult(objects), 'TAILSCALE_PEER_TAGS').value = 'tag:tuist-k8s-production'; });
      // The VM no longer resolves its own receivers either.
      expect(run.results.filter((r) => r.status === 'fail').map((r) => r.check)).toEqual(['path.vm-endpoints', 'path.vm-secret-endpoints', 'path.environment-isolation']);
      const failure = resultOf(run, 'path.environment-isolation', 'canary');
      expect(failure.message).toMatch(/Deployment tuist-tuist-xcresult-processor, .*references tag "tag:tuist-k8s-production" of environment "production"/);
    });

    test('fails when an object is placed in another environment\'s namespace', () => {
      const run = runBroken('production', (objects) => { pick(objects, 'PodDisruptionBudget', 'tuist-tuist-processor').metadata.namespace = 'tuist-canary'; });
      expect(expectOnlyFailure(run, 'path.environment-isolation', 'production').message).toMatch(/namespace "tuist-canary" of environment "canary"/);
    });

    test('fails, naming the owner, for any other environment\'s tag or hostname written into any string of an object', () => {
      const input = validInput();
      const canary = input.environments.find((e) => e.environment.name === 'canary')!;
      const foreign = ['tag:tuist-k8s-production', 'tag:tuist-macmini-staging', 'tuist-pg-pooler-production'];
      // Every string-valued spot of canary's objects (a path and the string there).
      const spots: [number, string[]][] = [];
      const walk = (value: any, index: number, at: string[]): void => {
        if (typeof value === 'string') spots.push([index, at]);
        else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, index, [...at, k]);
      };
      canary.objects.forEach((o, i) => walk(o, i, []));
      fc.assert(fc.property(fc.constantFrom(...spots), fc.constantFrom(...foreign), fc.constantFrom('', 'x ', 'a,'), ([index, at], identifier, prefix) => {
        const objects = structuredClone(canary.objects) as any[];
        let parent = objects[index];
        for (const step of at.slice(0, -1)) parent = parent[step];
        parent[at[at.length - 1]!] = `${prefix}${identifier}`;
        const run = runChecks({ ...input, environments: input.environments.map((e) => (e === canary ? { ...e, objects } : e)) });
        const isolation = resultOf(run, 'path.environment-isolation', 'canary');
        expect(isolation.status).toBe('fail');
        expect(isolation.message).toContain(`"${identifier}" of environment "${identifier.includes('staging') ? 'staging' : 'production'}"`);
      }), { numRuns: 60 });
    });
  });
});

describe('path.tailnet-isolation', () => {
  test('proves isolation when no rule crosses environments, and fails, naming the rule, when isolation is enforced', () => {
    const input = validInput();
    const policy = input.policies[0]!;
    // The environments in report order; the finding opens a path between the first two, so the rest must still pass.
    const names = input.environments.map((e) => e.environment.name);
    expect(names.length).toBeGreaterThanOrEqual(3);
    const [from, to] = names as [string, string];
    const clean = { ...input, policies: [{ ...policy, isolation: [] }] };
    expect(runChecks(clean).results.filter((r) => r.check === 'path.tailnet-isolation').map((r) => r.status)).toEqual(names.map(() => 'pass'));
    const finding = { rule: 'grants[0] (* → * on *)', section: 'grants' as const, index: 0, owner: 'people', verdict: 'allow' as const, paths: [{ from, to, src: 'tag:a', dst: 'tag:b', access: 'tcp:1-65535' }] };
    const enforced = { ...input, policies: [{ ...policy, tailnet: { ...policy.tailnet, enforceIsolation: true }, isolation: [finding] }] };
    const results = runChecks(enforced).results.filter((r) => r.check === 'path.tailnet-isolation');
    expect(results.map((r) => `${r.environment}:${r.status}`)).toEqual(names.map((e) => `${e}:${e === from || e === to ? 'fail' : 'pass'}`));
    expect(results[0]!.message).toMatch(new RegExp(`^people-owned grants\\[0\\] \\(\\* → \\* on \\*\\) opens a cross-environment path: ${from} → ${to}`));
  });
});
