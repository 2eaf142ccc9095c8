/**
 * Adoption of the hand-written live policy (test/fixtures/tailnet/live-policy.hujson) by an
 * environment's stack, run by each per-environment test file. Everything is derived from the
 * fixture and the code's intent, never from today's values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../../src/config/types';
import { POOLER_SERVICE_PORT } from '../../src/config/names';
import { markerIsAuthentic, findMarkers } from '../../src/pulumi/policy-marker';
import { type PolicyWrite, evaluable, parseLivePolicy, planPolicyWrite, writeIntent } from '../../src/pulumi/policy-writer';
import { type RawPolicy, canConnect, canonicalJson, entryId, parsePortSpec, policyEntries, resolvePrincipal } from '../../src/tailnet';
import { runStack, testKey } from './run-stack';

export const LIVE_FIXTURE = fs.readFileSync(path.join(__dirname, '../fixtures/tailnet/live-policy.hujson'), 'utf8');

type Grant = { src: string[]; dst: string[]; ip: string[] };
const isWild = (g: { src: readonly string[]; dst: readonly string[]; ip?: readonly string[] }): boolean => [...g.src, ...g.dst, ...(g.ip ?? [])].includes('*');

/** Every explicit (src, dst, proto, port) a grant of the document opens: no wildcard, both ends of each range. */
export function explicitAccesses(doc: RawPolicy): { src: string; dst: string; proto: 'tcp' | 'udp'; port: number; grant: string }[] {
  return evaluable(doc).grants.filter((g) => !isWild(g)).flatMap((g) => g.src.flatMap((src) => g.dst.flatMap((dst) => (g.ip ?? []).flatMap((spec) => {
    const parsed = parsePortSpec(spec);
    return parsed.ok ? parsed.value.flatMap((r) => [...new Set([r.from, r.to])].map((port) => ({ src, dst, proto: r.proto, port, grant: canonicalJson(g)! }))) : [];
  }))));
}

/**
 * Whether `a` is still allowed by `after`. The evaluator proves it for a source it can resolve
 * (a tag, a user, an address); a role autogroup (`autogroup:admin`) stands for users the
 * policy file does not name, so for such a source the access holds when the very grant that
 * opened it is in `after`, unchanged.
 */
export function stillAllowed(after: RawPolicy, a: ReturnType<typeof explicitAccesses>[number]): boolean {
  const doc = evaluable(after);
  if (canConnect(doc, a.src, a.dst, a.proto, a.port).allowed) return true;
  if (resolvePrincipal(doc, a.src).kind !== 'unresolved') return false;
  return doc.grants.some((g) => canonicalJson(g) === a.grant);
}

export function describeAdoption(env: EnvironmentConfig): void {
  describe(`stack "${env.name}": adopts the hand-written live policy`, () => {
    let run: Awaited<ReturnType<typeof runStack>>;
    let plan: PolicyWrite;
    let written: RawPolicy;
    const live = parseLivePolicy(LIVE_FIXTURE, 'fixture');
    beforeAll(async () => {
      run = await runStack(env, { livePolicy: LIVE_FIXTURE });
      plan = planPolicyWrite(writeIntent(run.model, env), LIVE_FIXTURE, testKey(env.name));
      written = parseLivePolicy(run.livePolicyAfter, 'written');
    });

    test('deploys with no deletion and no override: nothing removed, one write', () => {
      expect(plan.liveState).toBe('adopting');
      expect(plan.entries.filter((e) => e.status === 'removed')).toEqual([]);
      expect(run.policyWrites).toBe(1);
      expect(run.outputs.tailnetPolicy).toMatchObject({ environment: env.name, liveBefore: 'adopting', revision: 1 });
    });

    test('every live entry is present and unchanged (people\'s owners of the environment\'s own tags included)', () => {
      const after = new Map(policyEntries(written).map((e) => [entryId(e), canonicalJson(e.value)]));
      expect(policyEntries(live).filter((e) => after.get(entryId(e)) !== canonicalJson(e.value))).toEqual([]);
      expect(plan.entries.filter((e) => e.status === 'kept').length).toBeGreaterThan(0);
      expect(plan.entries.filter((e) => e.status === 'changed')).toEqual([]);
    });

    test('every explicit access of the live policy is still allowed, without relying on the catch-all', () => {
      const withoutCatchAll = { ...written, grants: (written.grants as Grant[]).filter((g) => !isWild(g)) };
      const intent = writeIntent(run.model, env);
      const proxyTags = (intent.entries.grants as Grant[] | undefined ?? [])
        .filter((g) => g.src.includes(env.tailnet.vmTag) && g.ip.includes(`tcp:${POOLER_SERVICE_PORT}`)).flatMap((g) => g.dst);
      const lost = explicitAccesses(live).filter((a) => !stillAllowed(withoutCatchAll, a))
        // The one allowed loss: the pooler port on the shared cluster tag, once it moved to the proxy's own tag.
        .filter((a) => !(a.dst === env.tailnet.clusterTag && a.port === POOLER_SERVICE_PORT && proxyTags.some((t) => t !== env.tailnet.clusterTag)));
      expect(lost).toEqual([]);
    });

    test('the environment\'s entries are there (or withheld, with the reason), under a marker its key verifies', () => {
      const after = new Map(policyEntries(written).map((e) => [entryId(e), canonicalJson(e.value)]));
      const withheld = new Set(plan.entries.filter((e) => e.status === 'withheld').map((e) => canonicalJson(e.value)));
      const missing = policyEntries(writeIntent(run.model, env).entries).filter((e) => after.get(entryId(e)) !== canonicalJson(e.value) && !withheld.has(canonicalJson(e.value)));
      expect(missing).toEqual([]);
      for (const e of plan.entries.filter((x) => x.status === 'withheld')) expect(e.reason).toMatch(/control plane/);
      const marker = findMarkers(run.livePolicyAfter).find((m) => m.marker.environment === env.name)!.marker;
      expect('malformed' in marker ? marker : markerIsAuthentic(marker, testKey(env.name))).toBe(true);
    });

    test('the preview lists each entry as kept, taken over, added or changed, and never removes a people-owned one', () => {
      const statuses = new Set(plan.entries.map((e) => e.status));
      for (const s of ['kept', 'added'] as const) expect(statuses).toContain(s);
      expect(plan.entries.filter((e) => e.status === 'removed' && e.owner !== env.name)).toEqual([]);
      // Every live entry the environment generates word for word is taken over, not rewritten.
      const generated = new Set(policyEntries(writeIntent(run.model, env).entries).map((e) => `${entryId(e)}=${canonicalJson(e.value)}`));
      const identical = policyEntries(live).filter((e) => generated.has(`${entryId(e)}=${canonicalJson(e.value)}`));
      expect(plan.entries.filter((e) => e.status === 'taken over').length).toBe(identical.length);
    });

    test('reports every live rule that opens a path between two environments on its tailnet (the catch-all among them)', () => {
      const intent = writeIntent(run.model, env);
      const others = Object.keys(intent.environments).filter((n) => n !== env.name && n !== 'base');
      const catchAll = (written.grants as Grant[]).findIndex((g) => g.src.includes('*') && g.dst.includes('*'));
      if (others.length === 0) expect(run.outputs.tailnetPolicy.crossEnvironmentPaths).toEqual([]);
      else {
        const reported = run.outputs.tailnetPolicy.crossEnvironmentPaths.find((p) => p.startsWith(`grants[${catchAll}] (people) opens `));
        expect(reported).toBeDefined();
        // Both ways, with every other environment on the tailnet.
        for (const other of others) expect(reported).toEqual(expect.stringContaining(`${env.name} → ${other}`));
        for (const other of others) expect(reported).toEqual(expect.stringContaining(`${other} → ${env.name}`));
      }
    });

    test('a second up on what it wrote writes nothing', () => {
      const again = planPolicyWrite(writeIntent(run.model, env), run.livePolicyAfter, testKey(env.name));
      expect(again.changed).toBe(false);
      expect(again.liveState).toBe('managed');
    });
  });
}
