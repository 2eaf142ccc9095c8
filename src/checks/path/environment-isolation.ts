/**
 * No object of one environment references another environment's tag, tailnet hostname,
 * namespace or vault item (the reference deployment's canary proxy carried production's tag).
 * Ownership comes from the configuration; references are searched in every string of the
 * rendered objects, property names included.
 *
 * Every environment's identifiers go into one index, built once per run, and each string is
 * split into its name tokens and looked up: the cost grows with the size of the output, not
 * with the square of the number of environments.
 */
import { ENVIRONMENT_LABEL, type IdentifierKind, environmentIdentifiers } from '../../config/names';
import type { EnvironmentConfig } from '../../config/types';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject, stringLeaves } from '../manifest/objects';
import type { PathInput } from '../types';

interface Ownership {
  readonly identifier: string;
  readonly kind: IdentifierKind;
  readonly owner: string;
}

/** Characters of a name: an identifier is referenced only as a whole run of them. */
const NAME_RUN = /[A-Za-z0-9_-]+/g;
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_-]/.test(c);
/** A bare namespace ("tuist") is also a common word: only `<name>.<namespace>.svc` counts. */
const SERVICE_NAMESPACE = /\.([A-Za-z0-9_-]+)\.svc\b/g;

interface IdentifierIndex {
  /** Tags (`tag:<run>`), hostnames and vault items that are a single name run. */
  readonly names: ReadonlyMap<string, readonly Ownership[]>;
  readonly namespaces: ReadonlyMap<string, readonly Ownership[]>;
  readonly environmentNames: ReadonlyMap<string, readonly Ownership[]>;
  /** Identifiers with other characters (e.g. a vault item "team/db"): matched with a regex each. */
  readonly irregular: readonly (Ownership & { readonly pattern: RegExp })[];
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function buildIndex(environments: readonly EnvironmentConfig[]): IdentifierIndex {
  const names = new Map<string, Ownership[]>();
  const namespaces = new Map<string, Ownership[]>();
  const environmentNames = new Map<string, Ownership[]>();
  const irregular: (Ownership & { pattern: RegExp })[] = [];
  const add = (map: Map<string, Ownership[]>, o: Ownership): void => { map.set(o.identifier, [...(map.get(o.identifier) ?? []), o]); };
  for (const env of environments) {
    for (const [identifier, kind] of environmentIdentifiers(env)) {
      const o: Ownership = { identifier, kind, owner: env.name };
      if (kind === 'namespace') add(namespaces, o);
      else if (kind === 'environment name') add(environmentNames, o);
      else if (/^(tag:)?[A-Za-z0-9_-]+$/.test(identifier)) add(names, o);
      else irregular.push({ ...o, pattern: new RegExp(`(^|[^A-Za-z0-9_-])${escapeRegExp(identifier)}($|[^A-Za-z0-9_-])`) });
    }
  }
  return { names, namespaces, environmentNames, irregular };
}

/** One index per run: every environment's check reads the same model. */
const indexes = new WeakMap<PathInput['model'], IdentifierIndex>();
function indexOf(model: PathInput['model']): IdentifierIndex {
  let index = indexes.get(model);
  if (index === undefined) indexes.set(model, index = buildIndex(model.environments));
  return index;
}

/** Every identifier (of any environment) a string held by `property` references. */
function referencedIdentifiers(index: IdentifierIndex, value: string, property: string | undefined): Ownership[] {
  const found: Ownership[] = [];
  for (const match of value.matchAll(NAME_RUN)) {
    const run = match[0];
    const at = match.index!;
    found.push(...(index.names.get(run) ?? []));
    // A tag is `tag:` plus a run, itself preceded by no name character.
    if (value.slice(at - 4, at) === 'tag:' && !isNameChar(value[at - 5])) found.push(...(index.names.get(`tag:${run}`) ?? []));
  }
  if (property === 'namespace') found.push(...(index.namespaces.get(value) ?? []));
  for (const match of value.matchAll(SERVICE_NAMESPACE)) found.push(...(index.namespaces.get(match[1]!) ?? []));
  if (property === ENVIRONMENT_LABEL) found.push(...(index.environmentNames.get(value) ?? []));
  for (const o of index.irregular) if (o.pattern.test(value)) found.push(o);
  return found;
}

export const environmentIsolation = environmentCheck<PathInput>(
  'path.environment-isolation',
  "No object references another environment's tag, tailnet hostname, namespace or vault item",
  ({ environment, objects, input }) => {
    const index = indexOf(input.model);
    const own = environmentIdentifiers(environment);
    const problems: Problem[] = objects.flatMap((object) => stringLeaves(object).flatMap((leaf) => (
      referencedIdentifiers(index, leaf.value, leaf.property)
        .filter((o) => o.owner !== environment.name && !own.has(o.identifier))
        .map((o) => ({
          message: `${describeObject(object)}, ${leaf.path}: ${JSON.stringify(leaf.value)} references ${o.kind} "${o.identifier}" of environment "${o.owner}".`,
          fix: `Use environment "${environment.name}"'s own ${o.kind}; environments never share tags, hostnames, namespaces or vault items.`,
        }))
    )));
    return fromProblems(problems, `${objects.length} objects reference only this environment's tags, hostnames, namespace and vault items.`);
  },
);
