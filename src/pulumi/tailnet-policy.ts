import * as pulumi from '@pulumi/pulumi';
import * as tailscale from '@pulumi/tailscale';
import type { Model } from '../config/load';
import type { EnvironmentConfig } from '../config/types';
import { buildTailnetPolicies, parsePolicyHujson, renderPolicyHujson } from '../tailnet';
import { type LiveState, POLICY_PRODUCER, type PolicyWrite, PolicyWriteError, documentDigest, planPolicyWrite, readPolicyStamp, renderPolicyStamp } from './policy-writer';

export interface TailnetPolicyArgs {
  readonly model: Model;
  readonly environment: EnvironmentConfig;
  /** The tailnet's policy as live when the program started (readLivePolicy). */
  readonly live: string;
  /** Write over an unmanaged or edited live policy: one reviewed `up` (stack config `overwriteUnmanagedPolicy`). */
  readonly overwriteUnmanaged: boolean;
  readonly provider: tailscale.Provider;
}

/** What the stack exports about the policy it wrote. */
export interface PolicyStatus {
  readonly tailnet: string;
  readonly revision: number;
  readonly writer: string;
  readonly sha256: string;
  /** How the live policy stood before this write. */
  readonly liveBefore: LiveState;
  /** Environments whose rules the document holds (this one from code, the others as live). */
  readonly environments: readonly string[];
}

/** The tailnet policy as live, read through the stack's provider (also during `pulumi preview`). */
export async function readLivePolicy(provider: tailscale.Provider): Promise<string> {
  return (await tailscale.getAcl({ provider })).hujson;
}

/**
 * This environment's part of its tailnet's policy (policy-writer.ts decides the document).
 * The resource never resets the policy: `resetAclOnDestroy` stays unset and `retainOnDelete`
 * keeps Pulumi from even calling delete, so destroying a stack leaves the tailnet as it is.
 */
export class TailnetPolicy extends pulumi.ComponentResource {
  static readonly TYPE = 'tuist:tailnet:TailnetPolicy';
  readonly acl: tailscale.Acl;
  /** Resolves once the write is read back intact; fails the `up` when another writer overwrote it. */
  readonly status: pulumi.Output<PolicyStatus>;

  constructor(name: string, args: TailnetPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TailnetPolicy.TYPE, name, {}, opts);
    const write = planPolicyWrite(args.model, args.environment, args.live, { overwriteUnmanaged: args.overwriteUnmanaged });
    // Replacing a policy this project did not write is a one-off; say what goes.
    if (args.overwriteUnmanaged) {
      for (const entry of write.removed) pulumi.log.warn(`overwriteUnmanagedPolicy: the write removes live ${entry.path}, which ${entry.reason}`, this);
    }
    this.acl = new tailscale.Acl(`${name}-acl`, {
      acl: write.hujson,
      // Our own guard (the stamp) decides whether live content may be replaced.
      overwriteExistingContent: true,
    }, { parent: this, provider: args.provider, retainOnDelete: true });

    this.status = tailscale.getAclOutput({ provider: args.provider, dependsOn: [this.acl] })
      .apply((readBack) => verifyWritten(write, readBack.hujson));
    // The verified status fails the update through the stack's outputs; the component only records what it wrote.
    this.registerOutputs({ stamp: renderPolicyStamp(write.stamp) });
  }
}

/** The status of a write, once the live policy is confirmed to be exactly what was written. */
export function verifyWritten(write: PolicyWrite, liveAfter: string): PolicyStatus {
  const stamp = readPolicyStamp(liveAfter);
  const intact = typeof stamp === 'object' && stamp.sha256 === write.stamp.sha256 && stamp.revision === write.stamp.revision
    && documentDigest(parsePolicyHujson(liveAfter)) === write.stamp.sha256;
  if (!intact) {
    throw new PolicyWriteError(
      `The policy of tailnet "${write.tailnet.name}" changed right after this stack wrote revision ${write.stamp.revision}: ` +
      `another writer (a concurrent \`pulumi up\` of an environment on the same tailnet, or the admin console) replaced it, and its rules or ours may be lost. ` +
      `Live stamp now: ${typeof stamp === 'object' ? renderPolicyStamp(stamp) : String(stamp)}. Fix: let the other run finish, then run \`pulumi up\` again for each environment on tailnet "${write.tailnet.name}".`,
    );
  }
  return {
    tailnet: write.tailnet.name,
    revision: write.stamp.revision,
    writer: write.stamp.writer,
    sha256: write.stamp.sha256,
    liveBefore: write.liveState,
    environments: write.environments,
  };
}

/**
 * The stamped policy this commit would leave on `tailnet` once every environment on it has
 * deployed: what `preview-offline` assumes is live when no copy of the live policy is given.
 */
export function policyFromCode(model: Model, tailnet: string): string {
  // Fragments only: this writer does not compose with a people-owned part yet (composeTailnetPolicy does).
  const policy = buildTailnetPolicies(model, () => undefined).find((p) => p.tailnet.name === tailnet);
  if (policy === undefined) throw new Error(`No tailnet "${tailnet}" in src/config/tailnets.ts.`);
  const writer = policy.environments.at(-1)?.name ?? 'none';
  return `${renderPolicyStamp({ tailnet, revision: 1, writer, sha256: documentDigest(policy.document) })}\n${renderPolicyHujson(policy, POLICY_PRODUCER)}`;
}
