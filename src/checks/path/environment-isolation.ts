/**
 * No object of one environment references another environment's tag, tailnet hostname,
 * namespace or vault item (the reference deployment's canary proxy carried production's tag).
 * Ownership comes from the configuration; references are searched in every string of the
 * rendered objects, property names included.
 */
import { ENVIRONMENT_LABEL, vmCredentialTags } from '../../config/names';
import type { EnvironmentConfig } from '../../config/types';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject, stringLeaves } from '../manifest/objects';
import type { PathInput } from '../types';

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

interface Foreign {
  readonly identifier: string;
  readonly kind: Owned;
  readonly owner: string;
  /** Does a string (held by `property`) reference it? */
  readonly referencedBy: (value: string, property: string | undefined) => boolean;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function foreign(identifier: string, kind: Owned, owner: string): Foreign {
  // Anywhere in a string, as a whole name: "tag:a-b" is not in "tag:a-b-c".
  const asName = new RegExp(`(^|[^A-Za-z0-9_-])${escapeRegExp(identifier)}($|[^A-Za-z0-9_-])`);
  // A bare namespace ("tuist") is also a common word: only where a namespace is meant.
  const asNamespace = new RegExp(`\\.${escapeRegExp(identifier)}\\.svc\\b`);
  const referencedBy = {
    'tag': (value: string) => asName.test(value),
    'tailnet hostname': (value: string) => asName.test(value),
    'vault item': (value: string) => asName.test(value),
    'namespace': (value: string, property: string | undefined) => (property === 'namespace' && value === identifier) || asNamespace.test(value),
    'environment name': (value: string, property: string | undefined) => property === ENVIRONMENT_LABEL && value === identifier,
  }[kind];
  return { identifier, kind, owner, referencedBy };
}

export const environmentIsolation = environmentCheck<PathInput>(
  'path.environment-isolation',
  "No object references another environment's tag, tailnet hostname, namespace or vault item",
  ({ environment, objects, input }) => {
    const own = ownedIdentifiers(environment);
    const others = input.model.environments.filter((other) => other.name !== environment.name).flatMap((other) => (
      [...ownedIdentifiers(other)].filter(([identifier]) => !own.has(identifier)).map(([identifier, kind]) => foreign(identifier, kind, other.name))
    ));
    const problems: Problem[] = objects.flatMap((object) => stringLeaves(object).flatMap((leaf) => others
      .filter((f) => f.referencedBy(leaf.value, leaf.property))
      .map((f) => ({
        message: `${describeObject(object)}, ${leaf.path}: ${JSON.stringify(leaf.value)} references ${f.kind} "${f.identifier}" of environment "${f.owner}".`,
        fix: `Use environment "${environment.name}"'s own ${f.kind}; environments never share tags, hostnames, namespaces or vault items.`,
      }))));
    return fromProblems(problems, `${objects.length} objects reference only this environment's tags, hostnames, namespace and vault items.`);
  },
);
