/**
 * Acceptance: a policy that would let one environment reach another's pooler, or let anything
 * log in as root, fails the build through the policy's own tests.
 */
import { loadModel } from '../../src/config/load';
import { build } from '../../src/synth/build';
import { runPolicyTests } from '../../src/tailnet/evaluate';
import { poolerProxyTags } from '../../src/tailnet/paths';
import type { PolicyDocument, PolicyFragment } from '../../src/tailnet/policy';
import { PolicyError, composeVerifiedPolicy, verifyPolicyDocument } from '../../src/tailnet/verify';
import { canary, production } from '../fixtures';
import { contextOf, fragmentsOnly, mutated } from './fixtures';

const productionPooler = poolerProxyTags(production)[0]!;
const ROOT_RULE = { action: 'accept' as const, src: [canary.tailnet.clusterTag], dst: [canary.tailnet.vmTag], users: ['root'] };

function canaryReachesProductionPooler(d: PolicyDocument): void {
  d.grants.push({ src: [canary.tailnet.vmTag], dst: [productionPooler], ip: ['tcp:5432'] });
}

describe('a mutated policy fails its own tests', () => {
  const policy = fragmentsOnly();

  test('fails when canary\'s VMs may reach production\'s pooler, naming the test and the grant', () => {
    const failures = runPolicyTests(mutated(policy.document, canaryReachesProductionPooler));
    expect(failures).toEqual([expect.objectContaining({
      test: expect.stringMatching(new RegExp(`^tests\\[\\d+\\] \\(src ${canary.tailnet.vmTag}, tcp\\)$`)),
      expectation: `deny ${productionPooler}:5432`,
      rule: `grants[${policy.document.grants.length}] (${canary.tailnet.vmTag} → ${productionPooler} on tcp:5432)`,
    })]);
  });

  test('fails when any tag may SSH in as root, naming the test and the SSH rule', () => {
    const failures = runPolicyTests(mutated(policy.document, (d) => { d.ssh.push(ROOT_RULE); }));
    expect(failures).toEqual([expect.objectContaining({
      expectation: `deny root@${canary.tailnet.vmTag}`,
      rule: `ssh[${policy.document.ssh.length}] (accept ${canary.tailnet.clusterTag} → ${canary.tailnet.vmTag} as root)`,
    })]);
  });

  test('fails when the reference deployment\'s catch-all grant comes back into our fragments', () => {
    const failures = runPolicyTests(mutated(policy.document, (d) => { d.grants.unshift({ src: ['*'], dst: ['*'], ip: ['*'] }); }));
    // Every network deny expectation of the document now fails.
    expect(failures).toHaveLength(policy.document.tests.flatMap((t) => t.deny ?? []).length);
    expect(failures.every((f) => f.rule === 'grants[0] (* → * on *)')).toBe(true);
  });
});

describe('the build fails on such a policy', () => {
  const policy = fragmentsOnly();

  test('verifyPolicyDocument throws a PolicyError naming the tailnet, the tests and the rules', () => {
    const doc = mutated(policy.document, (d) => { canaryReachesProductionPooler(d); d.ssh.push(ROOT_RULE); });
    expect(() => verifyPolicyDocument(doc, contextOf(policy))).toThrow(PolicyError);
    expect(() => verifyPolicyDocument(doc, contextOf(policy))).toThrow(
      new RegExp(`tailnet "tuist", tests\\[\\d+\\] \\(src ${canary.tailnet.vmTag}, tcp\\): expected ${canary.tailnet.vmTag} to be denied ${productionPooler}:5432 over tcp, but grants\\[\\d+\\] .* allows it\\.`),
    );
    expect(() => verifyPolicyDocument(doc, contextOf(policy))).toThrow(/sshTests\[\d+\] .* but ssh\[\d+\] \(accept tag:tuist-k8s-canary → tag:tuist-macmini-canary as root\) lets it in/);
  });

  test('composing with a fragment "as last deployed" that was edited fails the same way', () => {
    const edited = policy.fragments.map((f) => (f.owner === canary.name ? mutated(f, (d) => { d.ssh.push(ROOT_RULE); }) as PolicyFragment : f));
    expect(() => composeVerifiedPolicy(policy.tailnet, policy.base, edited)).toThrow(/\(accept tag:tuist-k8s-canary → tag:tuist-macmini-canary as root\)/);
  });

  test('the PolicyError is flagged for scripts/run.js to print its message only, and lists every finding', () => {
    const doc = mutated(policy.document, canaryReachesProductionPooler);
    let error: unknown;
    try { verifyPolicyDocument(doc, contextOf(policy)); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ name: 'PolicyError', userFacing: true });
    // The cross-environment grant is also refused by validation, alongside the failing test.
    expect((error as PolicyError).problems.map((p) => p.path)).toEqual([`grants[${policy.document.grants.length}]`]);
    expect((error as PolicyError).failures).toHaveLength(1);
  });

  test('synthesis builds and verifies the policy of every tailnet', () => {
    const result = build(loadModel());
    expect(result.tailnets.map((t) => t.tailnet.name)).toEqual([...new Set(result.model.environments.map((e) => e.tailnet.tailnet))]);
    expect(result.files.get(`tailnet/${production.tailnet.tailnet}.hujson`)).toContain(`"${productionPooler}"`);
  });
});
