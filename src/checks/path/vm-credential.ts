/**
 * The VM's side of the tailnet hop: the credential it joins with carries the environment's VM
 * tag, and TAILSCALE_AUTH_KEY reads the Secret that credential is delivered to.
 */
import { ENV_VARS } from '../../config/env-vars';
import { VM_CREDENTIAL_KEY, objectNames, vmCredentialTags } from '../../config/names';
import { assumed, environmentCheck, fail, failWith, pass } from '../environment-check';
import type { PathInput } from '../types';
import { producersOf } from '../manifest/external-secret';
import { deploymentContainer, envVar, field } from '../manifest/objects';
import { envSecretRef, isBroken, producerOf } from '../manifest/secret-reference';

const AUTH_KEY_ENV = ENV_VARS.tailscaleAuthKey;
/** What an OAuth-client VM asks its key to be tagged with (vm/tailscale-up.sh). */
const TAGS_ENV = ENV_VARS.tailscaleTags;

export const vmCredentialTagsCheck = environmentCheck<PathInput>(
  'path.vm-credential-tags',
  "The VMs' tailnet credential is tagged with the environment's VM tag",
  ({ environment, objects }) => {
    const vmTag = environment.tailnet.vmTag;
    const credential = environment.vmCredential;
    const found = deploymentContainer(objects, objectNames(environment).xcresultProcessorDeployment);
    const requested = typeof found === 'string' ? undefined : envVar(found.container, TAGS_ENV);
    if (requested !== undefined && requested.value !== vmTag) {
      return fail(
        `Deployment ${objectNames(environment).xcresultProcessorDeployment}: ${TAGS_ENV} is ${JSON.stringify(requested.value ?? null)}; the VMs must ask for "${vmTag}" only.`,
        `Set ${TAGS_ENV} to "${vmTag}".`,
      );
    }
    if (credential.kind === 'oauth-client' && requested === undefined) {
      return fail(
        `Deployment ${objectNames(environment).xcresultProcessorDeployment} has no ${TAGS_ENV}; a VM joining with an OAuth client must name the tags its key is minted with.`,
        `Set ${TAGS_ENV} to "${vmTag}".`,
      );
    }
    if (credential.delivery === 'pulumi') {
      const tags = vmCredentialTags(environment);
      if (tags.length !== 1 || tags[0] !== vmTag) {
        return fail(
          `The Pulumi stack mints the ${credential.kind} with tags ${JSON.stringify(tags)} (vmCredentialTags); it must carry exactly "${vmTag}".`,
          'Make vmCredentialTags (src/config/names.ts) return the environment\'s VM tag only.',
        );
      }
      return pass(`The Pulumi stack mints the ${credential.kind} with tag ${vmTag} (vmCredentialTags, the one source of its tags).`);
    }
    return assumed(
      `The ${credential.kind} is synced from vault item "${credential.remoteRef.key}"; code cannot read its tags. That it is tagged "${vmTag}" (and nothing else) is asserted by the vault item's owner.`,
      `Verify the key's tags in the Tailscale admin console, or let the Pulumi stack mint it (vmCredential.delivery: "pulumi") so that its tags are proven.`,
    );
  },
);

export const tailscaleAuthKey = environmentCheck<PathInput>(
  'path.tailscale-auth-key',
  'TAILSCALE_AUTH_KEY reads the Secret the VM credential is delivered to',
  ({ environment, objects }) => {
    const source = envSecretRef(objects, objectNames(environment).xcresultProcessorDeployment, AUTH_KEY_ENV);
    if (isBroken(source)) return fail(`${source.message} Without it the VM never joins the tailnet and cannot reach the pooler's proxy.`, source.fix);
    const { ref, deployment } = source;
    const credential = environment.vmCredential;
    if (credential.delivery === 'pulumi') {
      const expected = { name: objectNames(environment).vmCredentialSecret, key: VM_CREDENTIAL_KEY };
      if (ref.name !== expected.name || ref.key !== expected.key) {
        return fail(
          `${AUTH_KEY_ENV} reads Secret "${ref.name}", key "${ref.key}"; the Pulumi stack delivers the credential to Secret "${expected.name}", key "${expected.key}".`,
          `Read ${AUTH_KEY_ENV} from Secret "${expected.name}", key "${expected.key}" (objectNames(environment).vmCredentialSecret, VM_CREDENTIAL_KEY).`,
        );
      }
      const rivals = producersOf(objects, ref.name, deployment.metadata.namespace);
      if (rivals.length > 0) {
        return fail(
          `Secret "${ref.name}" is written by the Pulumi stack and also by ExternalSecret ${rivals.map((r) => r.object.metadata.name).join(', ')}; they would overwrite each other.`,
          'Remove the ExternalSecret, or deliver the credential from the vault (vmCredential.delivery: "external-secret").',
        );
      }
      return pass(`${AUTH_KEY_ENV} reads Secret ${ref.name}, key ${ref.key}, which the Pulumi stack writes.`);
    }
    const producer = producerOf(objects, source, AUTH_KEY_ENV);
    if (isBroken(producer)) return failWith(producer);
    const entry = ((field(producer.object, 'spec', 'data') ?? []) as { secretKey?: string; remoteRef?: { key?: string } }[])
      .find((d) => d.secretKey === ref.key);
    const vaultItem = credential.remoteRef.key;
    if (entry?.remoteRef?.key !== vaultItem) {
      return fail(
        `${AUTH_KEY_ENV} reads key "${ref.key}" of Secret ${ref.name}, which ExternalSecret ${producer.object.metadata.name} fills from ${JSON.stringify(entry?.remoteRef?.key ?? 'a template')}, not from the credential's vault item "${vaultItem}".`,
        `Fill "${ref.key}" from vault item "${vaultItem}" (vmCredential.remoteRef).`,
      );
    }
    return pass(`${AUTH_KEY_ENV} reads Secret ${ref.name}, key ${ref.key}, which ExternalSecret ${producer.object.metadata.name} syncs from vault item ${vaultItem}.`);
  },
);
