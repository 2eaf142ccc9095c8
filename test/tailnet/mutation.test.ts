/**
 * Acceptance: a policy that would let one environment reach another's pooler, or let anything
 * log in as root, fails the build through the policy's own tests.
 */
import { loadModel } from '../../src/config/load';
import { build } from '../../src/synth/build';
import { buildTailnetPolicies } from '../../src/tailnet/build';
import { runPolicyTests } from '../../src/tailnet/evaluate';
import type { PolicyDocument, PolicyFragment } from '../../src/tailnet/policy';
import { PolicyError, composeVerifiedPolicy, verifyPolicyDocument } from '../../src/tailnet/verify';
import { canary, production, staging, variant } from '../fixtures';
import { contextOf, mutated, sharedTailnet } from './fixtures';

const ROOT_RULE = { action: 'accept' as const, src: ['tag:tuist-k8s-canary'], dst: ['tag:tuist-macmini-canary'], users: ['root'] };

function canaryReachesProductionPooler(d: PolicyDocument): void {
  d.grants.push({ src: ['tag:tuist-macmini-canary'], dst: ['tag:tuist-k8s-production'], ip: ['tcp:5432'] });
}

describe('a mutated policy fails its own tests', () => {
  const policy = sharedTailnet();

  test('fails when canary\'s VMs may reach production\'s pooler, naming the test and the grant', () => {
    const failures = runPolicyTests(mutated(policy.document, canaryReachesProductionPooler));
    expect(failures).toEqual([expect.objectContaining({
      test: expect.stringMatching(/^tests\[\d+\] \(src tag:tuist-macmini-canary, tcp\)$/),
      expectation: 'deny tag:tuist-k8s-production:5432',
      rule: 'grants[6] (tag:tuist-macmini-canary → tag:tuist-k8s-production on tcp:5432)',
    })]);
  });

  test('fails when any tag may SSH in as root, naming the test and the SSH rule', () => {
    const failures = runPolicyTests(mutated(policy.document, (d) => { d.ssh.push(ROOT_RULE); }));
    expect(failures).toEqual([expect.objectContaining({
      test: 'sshTests[1] (src tag:tuist-k8s-canary)',
      expectation: 'deny root@tag:tuist-macmini-canary',
      rule: 'ssh[4] (accept tag:tuist-k8s-canary → tag:tuist-macmini-canary as root)',
    })]);
  });

  test('fails when the reference deployment\'s catch-all grant comes back', () => {
    const failures = runPolicyTests(mutated(policy.document, (d) => { d.grants.unshift({ src: ['*'], dst: ['*'], ip: ['*'] }); }));
    // Every network deny expectation of the document now fails.
    expect(failures).toHaveLength(policy.document.tests.flatMap((t) => t.deny ?? []).length);
    expect(failures.every((f) => f.rule === 'grants[0] (* → * on *)')).toBe(true);
  });

  test('fails when staging\'s VMs may reach production\'s pooler on a tailnet holding both', () => {
    const together = variant(staging, (d) => { d.tailnet.tailnet = 'tuist'; });
    const [shared] = buildTailnetPolicies(loadModel([together, canary, production]));
    expect(runPolicyTests(shared!.document)).toEqual([]);
    const failures = runPolicyTests(mutated(shared!.document, (d) => {
      d.grants.push({ src: ['tag:tuist-macmini-staging'], dst: ['tag:tuist-k8s-production'], ip: ['tcp:5432'] });
    }));
    expect(failures.map((f) => [f.expectation, f.rule])).toEqual([
      ['deny tag:tuist-k8s-production:5432', 'grants[9] (tag:tuist-macmini-staging → tag:tuist-k8s-production on tcp:5432)'],
    ]);
  });
});

describe('the build fails on such a policy', () => {
  const policy = sharedTailnet();

  test('verifyPolicyDocument throws a PolicyError naming the tailnet, the tests and the rules', () => {
    const doc = mutated(policy.document, (d) => { canaryReachesProductionPooler(d); d.ssh.push(ROOT_RULE); });
    expect(() => verifyPolicyDocument(doc, contextOf(policy))).toThrow(PolicyError);
    expect(() => verifyPolicyDocument(doc, contextOf(policy))).toThrow(
      /tailnet "tuist", tests\[\d+\] \(src tag:tuist-macmini-canary, tcp\): expected tag:tuist-macmini-canary to be denied tag:tuist-k8s-production:5432 over tcp, but grants\[6\] .* allows it\./,
    );
    expect(() => verifyPolicyDocument(doc, contextOf(policy))).toThrow(/sshTests\[1\] .* but ssh\[4\] \(accept tag:tuist-k8s-canary → tag:tuist-macmini-canary as root\) lets it in/);
  });

  test('composing with a fragment "as last deployed" that was edited fails the same way', () => {
    const edited: PolicyFragment = mutated(policy.fragments[0]!, (d) => { d.ssh.push(ROOT_RULE); }) as PolicyFragment;
    expect(() => composeVerifiedPolicy(policy.tailnet, policy.base, [edited, policy.fragments[1]!])).toThrow(/ssh\[2\] \(accept tag:tuist-k8s-canary → tag:tuist-macmini-canary as root\)/);
  });

  test('the PolicyError is flagged for scripts/run.js to print its message only, and lists every finding', () => {
    const doc = mutated(policy.document, canaryReachesProductionPooler);
    let error: unknown;
    try { verifyPolicyDocument(doc, contextOf(policy)); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ name: 'PolicyError', userFacing: true });
    // The cross-environment grant is also refused by validation, alongside the failing test.
    expect((error as PolicyError).problems.map((p) => p.path)).toEqual(['grants[6]']);
    expect((error as PolicyError).failures).toHaveLength(1);
  });

  test('synthesis builds and verifies the policy of every tailnet', () => {
    const result = build(loadModel());
    expect(result.tailnets.map((t) => t.tailnet.name)).toEqual(['tuist-staging', 'tuist']);
    expect(result.files.get('tailnet/tuist.hujson')).toContain('"tag:tuist-k8s-production:5432"');
  });
});
