/**
 * Switching an environment's VM credential from one kind to the other (one configuration
 * change), and renewing a key, never leave the VMs holding no valid credential: the steps the
 * engine would take between two mock runs (engine-steps.ts) are played against a model of the
 * tailnet (which credentials are valid), the Secret and the Pods (each holds the value it read
 * when it started; a Pod may restart at any moment and read the Secret again).
 */
import { NAMES as OBJECT_NAMES } from '../fixtures';
import { VM_CREDENTIAL_ANNOTATION } from '../../src/k8s/vm-credential';
import { RESOURCE_TYPES } from '../../src/pulumi/guard-rails';
import type { RecordedResource } from '../../src/pulumi/offline-run';
import { staging, variant } from '../fixtures';
import { type Step, engineSteps } from './engine-steps';
import { NOW, runStack } from './run-stack';


const oauth = variant(staging, (d) => { d.vmCredential = { kind: 'oauth-client' }; });
const withKey = variant(staging, (d) => { d.vmCredential = { kind: 'auth-key', expiryDays: 30, rotateBeforeExpiryDays: 14 }; });
const CREDENTIAL_TYPES: readonly string[] = [RESOURCE_TYPES.tailnetKey, RESOURCE_TYPES.oauthClient];
const isDeployment = (r: RecordedResource) => r.type === 'kubernetes:apps/v1:Deployment' && r.name.endsWith(`/${OBJECT_NAMES.xcresultProcessorDeployment}`);

interface Moment { readonly step: string; readonly secretValid: boolean; readonly podsValid: boolean }

/** Plays the steps; returns the state after each one. */
function play(deployed: readonly RecordedResource[], steps: readonly Step[], replicas = 2): Moment[] {
  const ids = new Map<RecordedResource, string>();
  let minted = 0;
  const deployedCredential = deployed.find((r) => CREDENTIAL_TYPES.includes(r.type))!;
  ids.set(deployedCredential, `credential-${minted++}`);
  const valid = new Set([ids.get(deployedCredential)!]);
  const live = new Map([[deployedCredential.urn, ids.get(deployedCredential)!]]);
  let secret = ids.get(deployedCredential)!;
  let pods = Array<string>(replicas).fill(secret);
  const moments: Moment[] = [];
  const previous = new Map(deployed.map((r) => [r.urn, r]));
  for (const step of steps) {
    const r = step.resource;
    if (CREDENTIAL_TYPES.includes(r.type)) {
      if (step.op === 'create') {
        const id = `credential-${minted++}`;
        ids.set(r, id); valid.add(id); live.set(r.urn, id);
      } else if (step.op === 'delete') {
        if (!step.retained) valid.delete(ids.get(r)!);
      } else {
        ids.set(r, live.get(r.urn)!);
      }
    } else if (r.type === 'kubernetes:core/v1:Secret' && step.op !== 'delete') {
      const source = r.dependencies.find((urn) => live.has(urn));
      if (source === undefined) throw new Error('the Secret depends on no credential');
      secret = live.get(source)!;
    } else if (isDeployment(r) && step.op !== 'delete') {
      // Pulumi awaits the rollout: when the step ends, every Pod was started from the current Secret.
      const before = previous.get(r.urn);
      const template = (x: RecordedResource | undefined) => JSON.stringify((x?.inputs as any)?.spec?.template);
      if (step.op === 'create' || template(before) !== template(r)) pods = pods.map(() => secret);
    }
    moments.push({ step: `${step.op} ${r.type.split(':').at(-1)} ${r.name}`, secretValid: valid.has(secret), podsValid: pods.every((p) => valid.has(p)) });
  }
  return moments;
}

const unsafe = (moments: readonly Moment[]) => moments.filter((m) => !m.secretValid || !m.podsValid).map((m) => m.step);
const credentialOrder = (steps: readonly Step[]) => steps
  .filter((s) => CREDENTIAL_TYPES.includes(s.resource.type) || s.resource.type === 'kubernetes:core/v1:Secret' || isDeployment(s.resource))
  .filter((s) => s.op !== 'same')
  .map((s) => `${s.op}${s.op === 'delete' && s.retained ? ' (retained)' : ''} ${s.resource.type.split(':').at(-1)}`);

describe('switching the VM credential\'s kind is one configuration change with no moment without a valid credential', () => {
  test('auth key → OAuth client: the client and the Secret first, the Deployment rolls, the key is retained until it expires', async () => {
    const [from, to] = [await runStack(withKey), await runStack(oauth)];
    const steps = engineSteps(from.resources, to.resources);
    expect(credentialOrder(steps)).toEqual(['create OauthClient', 'update Secret', 'update Deployment', 'delete (retained) TailnetKey']);
    expect(unsafe(play(from.resources, steps))).toEqual([]);
  });

  test('OAuth client → auth key: the key and the Secret first, the Deployment rolls, and only then is the client revoked', async () => {
    const [from, to] = [await runStack(oauth), await runStack(withKey)];
    const steps = engineSteps(from.resources, to.resources);
    expect(credentialOrder(steps)).toEqual(['create TailnetKey', 'update Secret', 'update Deployment', 'delete OauthClient']);
    expect(unsafe(play(from.resources, steps))).toEqual([]);
  });

  test('the Secret keeps its resource (updated in place, never deleted and re-created), whatever the kind', async () => {
    const [a, b] = [await runStack(oauth), await runStack(withKey)];
    expect(a.one('kubernetes:core/v1:Secret').urn).toBe(b.one('kubernetes:core/v1:Secret').urn);
    expect(a.one('kubernetes:core/v1:Secret').deleteBeforeReplace).toBe(false);
  });

  test('the rollout is awaited (Pulumi deletes nothing until it completed): the Deployment has an await timeout and no skipAwait', async () => {
    const run = await runStack(oauth);
    const deployment = run.resources.find(isDeployment)!;
    expect(deployment.customTimeouts.update).not.toBe('');
    expect(JSON.stringify((deployment.inputs as any).metadata.annotations ?? {})).not.toContain('pulumi.com/skipAwait');
  });

  test('without the rolling annotation the switch would revoke the client while Pods still hold it (the test can fail)', async () => {
    const [from, to] = [await runStack(oauth), await runStack(withKey)];
    // The Deployment as if its pod template did not change with the credential.
    const frozen = to.resources.map((r) => (isDeployment(r) ? { ...r, inputs: from.resources.find(isDeployment)!.inputs } : r));
    expect((to.resources.find(isDeployment)!.inputs as any).spec.template.metadata.annotations[VM_CREDENTIAL_ANNOTATION]).toBeDefined();
    expect(unsafe(play(from.resources, engineSteps(from.resources, frozen)))).toEqual(['delete OauthClient vm-credential-oauth-client']);
  });

  test('with deleteBeforeReplace the engine would delete first, and the model catches it', async () => {
    const [from, to] = [await runStack(withKey), await runStack(withKey, { now: new Date(NOW.getTime() + 40 * 86_400_000) })];
    const eager = (rs: readonly RecordedResource[]) => rs.map((r) => (r.type === RESOURCE_TYPES.tailnetKey ? { ...r, deleteBeforeReplace: true, retainOnDelete: false } : r));
    const deployed = eager(from.resources);
    expect(unsafe(play(deployed, engineSteps(deployed, eager(to.resources))))[0]).toBe('delete TailnetKey vm-credential-auth-key');
  });
});

describe('renewing an auth key', () => {
  test('mints the new key before anything else, points the Secret at it, and leaves the old one valid for the Pods that read it', async () => {
    const first = await runStack(withKey);
    const renewed = await runStack(withKey, { now: new Date(first.outputs.vmCredential.nextRenewal) });
    const steps = engineSteps(first.resources, renewed.resources);
    expect(credentialOrder(steps)).toEqual(['create TailnetKey', 'update Secret', 'delete (retained) TailnetKey']);
    expect(unsafe(play(first.resources, steps))).toEqual([]);
  });
});
