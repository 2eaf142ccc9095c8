/**
 * No object of one environment references another environment's tag, tailnet hostname
 * or namespace (the reference deployment's canary proxy carried production's tag).
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
import { describeObject, forEachStringLeaf } from '../manifest/objects';
import type { PathInput } from '../types';

interface Ownership {
  readonly identifier: string;
  readonly kind: IdentifierKind;
  readonly owner: string;
}

/**
 * Separators of names: an identifier is referenced only as a whole run of name characters
 * (`[A-Za-z0-9_-]`). ":" separates too, but is split apart second, so `tag:<run>` can be seen.
 */
const NOT_NAME_OR_COLON = /[^A-Za-z0-9_:-]+/;
/** A bare namespace ("tuist") is also a common word: only `<name>.<namespace>.svc` counts. */
const SERVICE_NAMESPACE = /\.([A-Za-z0-9_-]+)\.svc\b/g;

interface IdentifierIndex {
  /** Tags (`tag:<run>`), hostnames and vault items that are a single name run. */
  readonly names: ReadonlyMap<string, readonly Ownership[]>;
  readonly namespaces: ReadonlyMap<string, readonly Ownership[]>;
  readonly environmentNames: ReadonlyMap<string, readonly Ownership[]>;
  /** Identifiers with other characters (e.g. a vault item "team/db"): matched with a regex each. */
  readonly irregular: readonly (Ownership & { readonly pattern: RegExp })[];
  /** String → what {@link namedIdentifiers} found in it. */
  readonly memo: Map<string, readonly Ownership[]>;
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
  return { names, namespaces, environmentNames, irregular, memo: new Map() };
}

/** One index per run: every environment's check reads the same model. */
const indexes = new WeakMap<PathInput['model'], IdentifierIndex>();
function indexOf(model: PathInput['model']): IdentifierIndex {
  let index = indexes.get(model);
  if (index === undefined) indexes.set(model, index = buildIndex(model.environments));
  return index;
}

/** Tags, hostnames and vault items a string names; the same strings recur, so this is memoized per run. */
function namedIdentifiers(index: IdentifierIndex, value: string): readonly Ownership[] {
  const cached = index.memo.get(value);
  if (cached !== undefined) return cached;
  const found: Ownership[] = [];
  for (const chunk of value.split(NOT_NAME_OR_COLON)) {
    const runs = chunk.split(':');
    runs.forEach((run, i) => {
      found.push(...(index.names.get(run) ?? []));
      // A tag is `tag:` plus a run, where "tag" is a whole run itself.
      if (run === 'tag' && i + 1 < runs.length) found.push(...(index.names.get(`tag:${runs[i + 1]}`) ?? []));
    });
  }
  for (const o of index.irregular) if (o.pattern.test(value)) found.push(o);
  index.memo.set(value, found);
  return found;
}

/** Every identifier (of any environment) a string held by `property` references. */
function referencedIdentifiers(index: IdentifierIndex, value: string, property: string | undefined): Ownership[] {
  const found: Ownership[] = [...namedIdentifiers(index, value)];
  if (property === 'namespace') found.push(...(index.namespaces.get(value) ?? []));
  for (const match of value.matchAll(SERVICE_NAMESPACE)) found.push(...(index.namespaces.get(match[1]!) ?? []));
  if (property === ENVIRONMENT_LABEL) found.push(...(index.environmentNames.get(value) ?? []));
  return found;
}

export const environmentIsolation = environmentCheck<PathInput>(
  'path.environment-isolation',
  "No object references another environment's tag, tailnet hostname or namespace",
  ({ environment, objects, input }) => {
    const index = indexOf(input.model);
    const own = environmentIdentifiers(environment);
    const problems: Problem[] = [];
    for (const object of objects) {
      forEachStringLeaf(object, (value, property, path) => {
        for (const o of referencedIdentifiers(index, value, property)) {
          if (o.owner === environment.name || own.has(o.identifier)) continue;
          problems.push({
            message: `${describeObject(object)}, ${path()}: ${JSON.stringify(value)} references ${o.kind} "${o.identifier}" of environment "${o.owner}".`,
            fix: `Use environment "${environment.name}"'s own ${o.kind}; environments never share tags, hostnames or namespaces.`,
          });
        }
      });
    }
    return fromProblems(problems, `${objects.length} objects reference only this environment's tags, hostnames and namespace.`);
  },
);
