/**
 * Structural validation of an environment literal against the JSON Schema derived from
 * `EnvironmentConfig` (src/config/environment.schema.json, `npm run config-schema`): unknown
 * fields, missing blocks and wrong types, one problem each, before the semantic rules of
 * validate.ts run on a value they could otherwise trip over (a TypeError on a missing block).
 *
 * The TypeScript compiler already refuses most of these in `npm run typecheck`; synth does not
 * type-check (esbuild only transpiles), and a literal built at run time is not checked at all.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { buildCacheDir, cachedValidators, isPlainJson, verdictCache } from '../build-cache';
import schema from './environment.schema.json';

export interface StructureProblem {
  /** Field path, e.g. `pooler.poolSize` or `pooler.tailnetExposure.tags[0]`; '' for the whole literal. */
  readonly path: string;
  readonly message: string;
}

/**
 * allErrors: every problem at once; verbose: errors carry their schema (field lists and
 * descriptions for the messages); strict: false, as the generated schema's `$comment` and
 * descriptions are not Ajv's strict-mode keywords.
 */
const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false } as const;

interface StructureValidator {
  /** A hash of the schema, the options and ajv's version: what a verdict is cached under. */
  readonly id: string;
  readonly validate: () => ValidateFunction;
}

let compiled: StructureValidator | undefined;

/**
 * Compiled on first use (commands that never load the configuration do not pay for it), and
 * kept as standalone code in `.build/` (src/build-cache/standalone-validators.ts): a warm run
 * does not load ajv's compiler at all.
 */
function validator(): StructureValidator {
  if (compiled !== undefined) return compiled;
  const cached = cachedValidators(buildCacheDir('schema-validators'), 'environment-schema', JSON.stringify({ options: AJV_OPTIONS, schema }), () => {
    // Loaded here, not on import: a warm run only reads the cache.
    const { default: Ajv } = require('ajv') as typeof import('ajv');
    const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
    const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
    ajv.addSchema(schema, 'environment');
    return { meta: null, validators: { validate: ajv.getSchema('environment')! }, standalone: () => standaloneCode(ajv, { validate: 'environment' }) };
  });
  compiled = { id: cached.id, validate: () => cached.validators().validate! };
  return compiled;
}

/**
 * What a literal found valid is remembered under: a hash of its JSON, when JSON holds it
 * exactly (src/build-cache/plain-json.ts: JSON would drop an `undefined` field, which
 * `additionalProperties` counts, or hide a boxed string); a literal JSON cannot hold is always
 * validated.
 */
function literalKey(value: unknown): string | undefined {
  return isPlainJson(value) ? createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32) : undefined;
}

const show = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle (or a bigint): the message names the field, not the value.
    return typeof value === 'bigint' ? `${value}n` : 'a value that contains itself';
  }
};

/** `/pooler/tailnetExposure/tags/0` → `pooler.tailnetExposure.tags[0]`. */
function fieldPath(pointer: string, child?: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  return segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const s of pointer.split('/').slice(1)) value = (value as Record<string, unknown> | undefined)?.[s.replace(/~1/g, '/').replace(/~0/g, '~')];
  return value;
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Ajv reports every branch of a failed `anyOf` (our discriminated unions). Keep only the branch
 * the literal meant: the one with the fewest errors, preferring one whose discriminating
 * constant matched; its constants that failed are reported with every branch's allowed value.
 */
function reduceUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  let remaining = [...errors];
  for (const union of unions) {
    if (!remaining.includes(union)) continue; // inside a branch already dropped
    const prefix = `${union.schemaPath}/`;
    const inside = (e: ErrorObject): boolean => e !== union && e.schemaPath.startsWith(prefix) && e.instancePath.startsWith(union.instancePath);
    const branches = new Map<string, ErrorObject[]>();
    for (const e of remaining.filter(inside)) {
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const score = (list: readonly ErrorObject[]): number => list.length + (list.some((e) => e.keyword === 'const' && e.instancePath.split('/').length === union.instancePath.split('/').length + 1) ? 1000 : 0);
    const best = [...branches.values()].sort((a, b) => score(a) - score(b))[0] ?? [];
    // Every allowed value of each discriminating field, across the branches.
    const allowed = new Map<string, unknown[]>();
    for (const e of remaining.filter(inside)) {
      if (e.keyword === 'const') allowed.set(e.instancePath, [...new Set([...(allowed.get(e.instancePath) ?? []), (e.params as { allowedValue: unknown }).allowedValue])]);
    }
    remaining = remaining.filter((e) => e !== union && (!inside(e) || best.includes(e)));
    remaining = remaining.map((e) => (best.includes(e) && e.keyword === 'const' ? { ...e, keyword: 'enum', params: { allowedValues: allowed.get(e.instancePath) } } : e));
  }
  return remaining;
}

function describe(error: ErrorObject, literal: unknown): StructureProblem {
  const value = valueAt(literal, error.instancePath);
  const doc = (s: unknown): string => (typeof (s as { description?: unknown })?.description === 'string' ? ` (${(s as { description: string }).description})` : '');
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        path: fieldPath(error.instancePath, field),
        message: `unknown field ${show(field)} (value ${show((value as Record<string, unknown>)[field])}); ${error.instancePath === '' ? 'an environment' : fieldPath(error.instancePath)} has ${known.length > 0 ? `only ${known.join(', ')}` : 'no such field'}. Fix: remove it or correct its name; a new field goes into src/config/types.ts first (then \`npm run config-schema\`).`,
      };
    }
    case 'required': {
      const field = (error.params as { missingProperty: string }).missingProperty;
      const property = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties?.[field];
      return { path: fieldPath(error.instancePath, field), message: `is missing${doc(property)}; every field is required. Fix: add it (another environment's file shows its shape).` };
    }
    case 'type':
      if (error.instancePath === '') return { path: '', message: `${show(value)} is not an object; every entry of ENVIRONMENTS is one environment's literal.` };
    {
      const expected = (error.params as { type: string }).type;
      const what = value === null || value === undefined ? `is ${String(value)}` : `${show(value)} is ${typeOf(value)}`;
      return { path: fieldPath(error.instancePath), message: `${what}; it must be ${expected === 'object' || expected === 'array' ? `an ${expected}` : `a ${expected}`}.` };
    }
    case 'enum':
      return { path: fieldPath(error.instancePath), message: `${show(value)} is not allowed here; use one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map(show).join(', ')}.` };
    default:
      return { path: fieldPath(error.instancePath), message: `${show(value)}: ${error.message ?? error.keyword}.` };
  }
}

/** What a literal found valid is remembered under (in .build/schema-validators/verdicts/). */
export function structureVerdictKey(literal: unknown): string | undefined {
  const key = literalKey(literal);
  return key === undefined ? undefined : `${validator().id}/${key}`;
}

/** Every structural problem of one environment literal; empty when it has the shape of `EnvironmentConfig`. */
export function validateStructure(literal: unknown): StructureProblem[] {
  return validateStructures([literal])[0]!;
}

/**
 * Each literal's problems, in order. Literals found valid before (same content, same schema)
 * are not validated again: a warm run does not even load the validator's code.
 */
export function validateStructures(literals: readonly unknown[]): StructureProblem[][] {
  const { validate } = validator();
  const valid = verdictCache<true>(buildCacheDir('schema-validators/verdicts'), 'environment-schema');
  const results = literals.map((literal) => {
    const key = structureVerdictKey(literal);
    if (key !== undefined && valid.get(key) === true) return [];
    const problems = problemsOf(validate(), literal);
    if (problems.length === 0 && key !== undefined) valid.set(key, true);
    return problems;
  });
  valid.flush();
  return results;
}

function problemsOf(validate: ValidateFunction, literal: unknown): StructureProblem[] {
  if (validate(literal)) return [];
  const errors = reduceUnions(validate.errors ?? []);
  // A value of the wrong type is one problem, not also "not one of the allowed values".
  const mistyped = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const problems = errors.filter((e) => !(mistyped.has(e.instancePath) && (e.keyword === 'enum' || e.keyword === 'const'))).map((e) => describe(e, literal));
  // One line per problem: a union's branches can report the same field twice.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(`${p.path}\0${p.message}`) && seen.add(`${p.path}\0${p.message}`));
}
