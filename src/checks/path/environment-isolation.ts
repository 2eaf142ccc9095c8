/**
 * No object of one environment references another environment's tag, tailnet hostname,
 * namespace or vault item (the reference deployment's canary proxy carried production's tag).
 * Ownership comes from the configuration; the references are read from every string of the
 * rendered objects.
 */
import { ENVIRONMENT_LABEL, vmCredentialTags } from '../../config/names';
import type { EnvironmentConfig } from '../../config/types';
import { TAILSCALE_TAG } from '../../config/syntax';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import type { PathInput } from '../types';
import { describeObject, stringLeaves } from '../manifest/objects';

type Owned = 'tag' | 'tailnet hostname' | 'namespace' | 'vault item' | 'environment name';

/** Every identifier an environment owns, by what it is. */
function ownedIdentifiers(env: EnvironmentConfig): Map<string, Owned> {
  const owned = new Map<string, Owned>();
  const { tailnet, pooler, vmCredential, processorSecrets } = env;
  for (const tag of [tailnet.operatorTag, tailnet.clusterTag, tailnet.vmTag, ...vmCredentialTags(env)]) owned.set(tag, 'tag');
  if (pooler.tailnetExposure.enabled) {
    for (const tag of pooler.tailnetExposure.tags) owned.set(tag, 'tag');
    owned.set(pooler.tailnetExposure.hostname, 'tailnet hostname');
  }
  owned.set(env.namespace, 'namespace');
  owned.set(processorSecrets.databasePassword.key, 'vault item');
  if (vmCredential.delivery === 'external-secret') owned.set(vmCredential.remoteRef.key, 'vault item');
  owned.set(env.name, 'environment name');
  return owned;
}

const TAG_IN_TEXT = new RegExp(TAILSCALE_TAG.source.replace(/^\^|\$$/g, ''), 'g');
const DNS_TOKEN = /[A-Za-z0-9-]+/g;
const SERVICE_HOST = /[a-z0-9-]+\.([a-z0-9-]+)\.svc\b/g;

/** The identifiers of `kind` a string refers to, given the property that holds it. */
function references(value: string, property: string | undefined): [Owned, string][] {
  const found: [Owned, string][] = [];
  for (const match of value.matchAll(TAG_IN_TEXT)) found.push(['tag', match[0]]);
  for (const match of value.matchAll(DNS_TOKEN)) found.push(['tailnet hostname', match[0]]);
  for (const match of value.matchAll(SERVICE_HOST)) found.push(['namespace', match[1]!]);
  // A bare namespace ("tuist") is also a common word, so only where a namespace is expected.
  if (property === 'namespace') found.push(['namespace', value]);
  found.push(['vault item', value]);
  if (property === ENVIRONMENT_LABEL) found.push(['environment name', value]);
  return found;
}

export const environmentIsolation = environmentCheck<PathInput>(
  'path.environment-isolation',
  "No object references another environment's tag, tailnet hostname, namespace or vault item",
  ({ environment, objects, input }) => {
    const own = ownedIdentifiers(environment);
    const foreign = new Map<string, { kind: Owned; owner: string }>();
    for (const other of input.model.environments) {
      if (other.name === environment.name) continue;
      for (const [identifier, kind] of ownedIdentifiers(other)) {
        if (!own.has(identifier)) foreign.set(`${kind}\0${identifier}`, { kind, owner: other.name });
      }
    }
    const problems: Problem[] = [];
    const seen = new Set<string>();
    for (const object of objects) {
      for (const leaf of stringLeaves(object)) {
        for (const [kind, identifier] of references(leaf.value, leaf.property)) {
          const owner = foreign.get(`${kind}\0${identifier}`);
          const key = `${describeObject(object)}\0${leaf.path}\0${identifier}`;
          if (owner === undefined || seen.has(key)) continue;
          seen.add(key);
          problems.push({
            message: `${describeObject(object)}, ${leaf.path}: ${JSON.stringify(leaf.value)} references ${owner.kind} "${identifier}" of environment "${owner.owner}".`,
            fix: `Use environment "${environment.name}"'s own ${owner.kind}; environments never share tags, hostnames, namespaces or vault items.`,
          });
        }
      }
    }
    return fromProblems(problems, `${objects.length} objects reference only this environment's tags, hostnames, namespace and vault items.`);
  },
);
