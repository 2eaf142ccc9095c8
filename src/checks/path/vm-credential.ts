/**
 * The VM's side of the tailnet hop: the credential it joins with carries the environment's VM
 * tag, and TAILSCALE_AUTH_KEY reads the Secret the environment's stack delivers it to.
 */
import { ENV_VARS } from '../../config/env-vars';
import { VM_CREDENTIAL_KEY, objectNames, vmCredentialTags } from '../../config/names';
import { environmentCheck, fail, pass } from '../environment-check';
import type { PathInput } from '../types';
import { producersOf } from '../manifest/external-secret';
import { deploymentContainer, envVar } from '../manifest/objects';
import { envSecretRef, isBroken } from '../manifest/secret-reference';

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
    // A VM that does not join (no TAILSCALE_AUTH_KEY) asks for no tags; path.tailscale-auth-key reports that.
    const joins = typeof found !== 'string' && envVar(found.container, AUTH_KEY_ENV) !== undefined;
    if (credential.kind === 'oauth-client' && requested === undefined && joins) {
      return fail(
        `Deployment ${objectNames(environment).xcresultProcessorDeployment} has no ${TAGS_ENV}; a VM joining with an OAuth client must name the tags its key is minted with.`,
        `Set ${TAGS_ENV} to "${vmTag}".`,
      );
    }
    const tags = vmCredentialTags(environment);
    if (tags.length !== 1 || tags[0] !== vmTag) {
      return fail(
        `The Pulumi stack mints the ${credential.kind} with tags ${JSON.stringify(tags)} (vmCredentialTags); it must carry exactly "${vmTag}".`,
        'Make vmCredentialTags (src/config/names.ts) return the environment\'s VM tag only.',
      );
    }
    return pass(`The Pulumi stack mints the ${credential.kind} with tag ${vmTag} (vmCredentialTags, the one source of its tags).`);
  },
);

export const tailscaleAuthKey = environmentCheck<PathInput>(
  'path.tailscale-auth-key',
  'TAILSCALE_AUTH_KEY reads the Secret the VM credential is delivered to',
  ({ environment, objects }) => {
    const source = envSecretRef(objects, objectNames(environment).xcresultProcessorDeployment, AUTH_KEY_ENV);
    if (isBroken(source)) return fail(`${source.message} Without it the VM never joins the tailnet and cannot reach the pooler's proxy.`, source.fix);
    const { ref, deployment } = source;
    // Every stack mints its VM credential and writes this Secret itself (src/pulumi/minted-vm-credential.ts).
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
        'Remove the ExternalSecret: the stack owns the VM credential.',
      );
    }
    return pass(`${AUTH_KEY_ENV} reads Secret ${ref.name}, key ${ref.key}, which the Pulumi stack writes.`);
  },
);
