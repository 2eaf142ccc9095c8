import * as pulumi from '@pulumi/pulumi';
import * as tailscale from '@pulumi/tailscale';
import type { Model } from '../config/load';
import type { EnvironmentConfig } from '../config/types';
import { type PolicyDocument as TailnetDocument, basePolicyFragment, environmentPolicyFragment } from '../tailnet';
import { peopleDrift, readPeopleSnapshot } from '../tailnet/people';
import { type EntryStatus, type PolicyWrite, type WriteIntent, formatPolicyPlan, livePeoplePart, planPolicyWrite, writeIntent } from './policy-writer';
import { PolicyDocument, type ProviderAuth } from './policy-provider';
import type { StackConfig } from './stack-config';

export interface TailnetPolicyArgs {
  readonly intent: WriteIntent;
  /** The plan against the policy as live when the program started (planTailnetPolicy). */
  readonly plan: PolicyWrite;
  readonly config: StackConfig;
  /** How the live people-owned part differs from its committed snapshot (peopleDriftReport); reported, never blocking. */
  readonly drift?: readonly string[];
}

/** What the stack exports about the policy it wrote. */
export interface PolicyStatus {
  readonly tailnet: string;
  readonly environment: string;
  /** The revision of this environment's ownership marker after the write. */
  readonly revision: number;
  /** How the live policy stood before: `adopting` (no marker of ours yet) or `managed`. */
  readonly liveBefore: PolicyWrite['liveState'];
  /** How many entries were kept, taken over, added, changed, removed (own only) or withheld. */
  readonly entries: Readonly<Partial<Record<EntryStatus, number>>>;
  /** This environment's tests not sent, and why. */
  readonly withheld: readonly string[];
  /** Rules that let one environment reach another (people's rules included). */
  readonly crossEnvironmentPaths: readonly string[];
}

/** The tailnet policy as live, read through the stack's provider (also during `pulumi preview`). */
export async function readLivePolicy(provider: tailscale.Provider): Promise<string> {
  return (await tailscale.getAcl({ provider })).hujson;
}

/** A secret's value inside the program (config secrets are known, in preview too); never printed. */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => { resolve(value); return value; }));
}

/**
 * The plan of `env`'s entries against the live policy: before any resource is registered,
 * so a refusal (a console edit of ours, a forged marker, a guard rail) stops the program
 * with its message and nothing is written.
 */
export async function planTailnetPolicy(model: Model, env: EnvironmentConfig, live: string, config: StackConfig): Promise<{ intent: WriteIntent; plan: PolicyWrite; drift: string[] }> {
  const intent = writeIntent(model, env);
  const key = await valueOf(config.policyOwnershipKey);
  const plan = planPolicyWrite(intent, live, key, config.unverifiedMarkers === true ? { unverifiedMarkers: true } : {});
  return { intent, plan, drift: peopleDriftReport(model, env, live) };
}

/**
 * How the people-owned part of the live policy differs from its committed snapshot
 * (src/config/tailnet-people/<tailnet>.hujson, which offline synthesis and `check` prove
 * isolation against): one line per section, empty when they agree. Drift never blocks the
 * write (live people-owned entries are kept as they are); it says the snapshot is stale.
 */
export function peopleDriftReport(model: Model, env: EnvironmentConfig, live: string, snapshotOf: (tailnet: string) => TailnetDocument | undefined = readPeopleSnapshot): string[] {
  const tailnet = model.tailnets.find((t) => t.name === env.tailnet.tailnet)!;
  const onTailnet = model.environments.filter((e) => e.tailnet.tailnet === tailnet.name);
  const snapshot = snapshotOf(tailnet.name);
  const fix = `Fix: export the policy from the admin console and run \`npm run policy:import\` for tailnet "${tailnet.name}", then review and commit the snapshot.`;
  if (snapshot === undefined) return [`People-owned part of tailnet "${tailnet.name}": no committed snapshot (src/config/tailnet-people/${tailnet.name}.hujson), so offline runs cannot prove it. ${fix}`];
  const fragments = [basePolicyFragment(tailnet, onTailnet), ...onTailnet.map((e) => environmentPolicyFragment(e, tailnet))];
  const livePeople = livePeoplePart(live, fragments);
  const entries = Object.values(livePeople).filter((v) => (Array.isArray(v) ? v.length > 0 : v !== null && typeof v === 'object' ? Object.keys(v).length > 0 : v !== undefined));
  if (entries.length === 0) return [`People-owned part of tailnet "${tailnet.name}": the live policy holds none (a policy written by this code alone), so there is nothing to compare with the committed snapshot.`];
  const drift = peopleDrift(snapshot, livePeople);
  if (drift.length === 0) return [];
  return [
    `People-owned part of tailnet "${tailnet.name}" differs from its committed snapshot (src/config/tailnet-people/${tailnet.name}.hujson): the live entries are kept; offline proofs use the stale snapshot.`,
    ...drift.map((d) => `  drift ${d.section}: ${[
      ...d.added.map((e) => `live only: ${e.summary}`),
      ...d.removed.map((e) => `snapshot only: ${e.summary}`),
      ...d.changed.map((c) => `changed: ${c.before} → ${c.after}`),
    ].join('; ')}`),
    fix,
  ];
}

/**
 * This environment's part of its tailnet's policy. The plan (policy-writer.ts) runs here,
 * during preview, against the live text, and is printed entry by entry; the write itself
 * (policy-provider.ts) plans again against the newest live text, with `If-Match`.
 */
export class TailnetPolicy extends pulumi.ComponentResource {
  static readonly TYPE = 'tuist:tailnet:TailnetPolicy';
  readonly document: PolicyDocument;
  readonly status: pulumi.Output<PolicyStatus>;

  constructor(name: string, args: TailnetPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TailnetPolicy.TYPE, name, {}, opts);
    const { intent, plan } = args;
    // What `pulumi preview` prints about the policy: every entry, kept, taken over, added, changed.
    void pulumi.log.info(formatPolicyPlan(plan).join('\n'), this);
    if ((args.drift ?? []).length > 0) void pulumi.log.info(args.drift!.join('\n'), this);

    const auth = args.config.tailscale;
    const providerAuth: pulumi.Input<ProviderAuth> = auth.kind === 'federated'
      ? { kind: 'federated', clientId: auth.clientId, tokenVariable: auth.tokenVariable }
      : pulumi.secret(auth.clientSecret.apply((clientSecret) => ({ kind: 'oauth-client' as const, clientId: auth.clientId, clientSecret })));
    this.document = new PolicyDocument(`${name}-document`, {
      tailnetId: args.config.tailnetId,
      intent,
      planned: plan.hujson,
      pending: plan.changed,
      ownershipKey: args.config.policyOwnershipKey,
      auth: providerAuth,
    }, { parent: this, retainOnDelete: true });

    this.status = this.document.revision.apply((revision) => policyStatus(plan, revision));
    this.registerOutputs({});
  }
}

export function policyStatus(plan: PolicyWrite, revision: number): PolicyStatus {
  const entries: Partial<Record<EntryStatus, number>> = {};
  for (const e of plan.entries) entries[e.status] = (entries[e.status] ?? 0) + 1;
  return {
    tailnet: plan.tailnet,
    environment: plan.environment,
    revision,
    liveBefore: plan.liveState,
    entries,
    withheld: plan.entries.filter((e) => e.status === 'withheld').map((e) => `${e.path} ${JSON.stringify(e.value)}: ${e.reason ?? ''}`),
    crossEnvironmentPaths: plan.crossEnvironment.map((c) => `${c.path} (${c.owner}) ${c.verdict === 'allow' ? 'opens' : 'may open (unproven)'} ${c.opens.join(', ')}`),
  };
}
