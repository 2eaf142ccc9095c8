import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildCacheDir } from '../../src/build-cache';
import schema from '../../src/config/environment.schema.json';
import { structureVerdictKey, validateStructures } from '../../src/config/structure';
import { ConfigError, loadModel } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/types';
import { formatProblem, validateEnvironments } from '../../src/config/validate';
import { ENVIRONMENTS, TAILNETS, canary, staging, variant } from '../fixtures';

/** The problems of the committed environments with `changed` swapped in for its namesake. */
function problemsWith(changed: EnvironmentConfig): string[] {
  return validateEnvironments(ENVIRONMENTS.map((e) => (e.name === changed.name ? changed : e)), TAILNETS).map(formatProblem);
}

/** Every field path of an object literal, objects first (`pooler`, then `pooler.name`…), records' own keys excluded. */
function fieldPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  // A record's keys are data (PgBouncer's snake_case parameters, UPPER_CASE variable names, dotted
  // label keys), not fields of a type, which are camelCase: only a type's fields are required.
  if (Object.keys(value).some((key) => !/^[a-z][a-zA-Z0-9]*$/.test(key))) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...fieldPaths(child, path)];
  });
}

function without(env: EnvironmentConfig, path: string): EnvironmentConfig {
  return variant(env, (draft) => {
    const segments = path.split('.');
    const parent = segments.slice(0, -1).reduce<any>((object, s) => object[s], draft);
    delete parent[segments.at(-1)!];
  });
}

describe('structural validation (the schema derived from EnvironmentConfig)', () => {
  test('fails when a field is unknown, naming the field, its value and the fields allowed', () => {
    const problems = problemsWith(variant(staging, (d) => { (d.pooler as any).poolSize = 50; }));
    const fields = Object.keys(schema.properties.pooler.properties).join(', ');
    expect(problems).toEqual([`environment "staging", pooler.poolSize: unknown field "poolSize" (value 50); pooler has only ${fields}. Fix: remove it or correct its name; a new field goes into src/config/types.ts first (then \`npm run config-schema\`).`]);
  });

  test('fails when a block is missing, with one problem and no TypeError', () => {
    const env = variant(staging, (d) => { delete (d as any).pooler; });
    expect(problemsWith(env)).toEqual([expect.stringMatching(/^environment "staging", pooler: is missing( \(.*\))?; every field is required\. Fix: add it/)]);
  });

  test('fails when a field has the wrong type', () => {
    expect(problemsWith(variant(canary, (d) => { (d.pooler as any).instances = '2'; }))).toEqual(['environment "canary", pooler.instances: "2" is a string; it must be a number.']);
    expect(problemsWith(variant(canary, (d) => { (d as any).policy = []; }))).toEqual(['environment "canary", policy: [] is an array; it must be an object.']);
    expect(problemsWith(variant(canary, (d) => { (d.pooler as any).tailnetExposure = null; }))).toEqual(['environment "canary", pooler.tailnetExposure: is null; it must be an object.']);
    // One problem for a mistyped discriminator, not also "not one of the allowed values".
    expect(problemsWith(variant(canary, (d) => { (d.pooler.tailnetExposure as any).enabled = 'yes'; }))).toEqual(['environment "canary", pooler.tailnetExposure.enabled: "yes" is a string; it must be a boolean.']);
  });

  test('fails when a value is not one of a union\'s, listing every allowed value', () => {
    expect(problemsWith(variant(staging, (d) => { (d as any).stage = 'prod'; }))).toEqual(['environment "staging", stage: "prod" is not allowed here; use one of "staging", "canary", "production".']);
    expect(problemsWith(variant(staging, (d) => { (d.vmCredential as any).kind = 'vault'; }))).toEqual(['environment "staging", vmCredential.kind: "vault" is not allowed here; use one of "oauth-client", "auth-key".']);
  });

  test('reports only the branch of a discriminated union the literal meant', () => {
    const env = variant(staging, (d) => { delete (d.pooler.tailnetExposure as any).hostname; });
    expect(problemsWith(env)).toEqual([expect.stringMatching(/^environment "staging", pooler\.tailnetExposure\.hostname: is missing \(The pooler proxy's MagicDNS name/)]);
    const disabled = variant(staging, (d) => { d.processor.podDisruptionBudget = { enabled: false, maxUnavailable: 1 } as any; });
    expect(problemsWith(disabled)).toEqual([expect.stringMatching(/^environment "staging", processor\.podDisruptionBudget\.maxUnavailable: unknown field "maxUnavailable" \(value 1\); processor\.podDisruptionBudget has only enabled\./)]);
  });

  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('every field of %s is required: removing any one gives exactly one problem, at its path', (_, env) => {
    const paths = fieldPaths(env);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const problems = validateEnvironments([without(env, path)], TAILNETS);
      expect({ path, problems: problems.map((p) => `${p.path}: ${p.message.slice(0, 10)}`) }).toEqual({ path, problems: [`${path}: is missing`] });
    }
  });

  test('fails when an entry is not an object at all, naming its place in the registry', () => {
    expect(validateEnvironments([staging, undefined as any], TAILNETS).map(formatProblem)).toEqual(['environment "ENVIRONMENTS[1]", undefined is not an object; every entry of ENVIRONMENTS is one environment\'s literal.']);
  });

  test('fails when the environment list is empty, with its own message and nothing else', () => {
    expect(() => loadModel([], TAILNETS)).toThrow(ConfigError);
    expect(() => loadModel([], TAILNETS)).toThrow(/^Invalid configuration for the environment registry \(1 problem\(s\)\) in src\/config\/environments\/index\.ts:\n {2}- src\/config\/environments\/index\.ts, ENVIRONMENTS: is empty/);
  });

  test('fails when two environments have the same name, saying so once', () => {
    const copy = variant(staging, (d) => { d.namespace = 'tuist-qa'; });
    const problems = validateEnvironments([staging, canary, copy], TAILNETS).map(formatProblem);
    expect(problems).toEqual([expect.stringMatching(/^src\/config\/environments\/index\.ts, ENVIRONMENTS: 2 environments are named "staging" \(ENVIRONMENTS\[0\] and ENVIRONMENTS\[2\]\); each environment needs a name of its own/)]);
  });

  test('the loader names the file to fix', () => {
    const broken = ENVIRONMENTS.map((e) => (e === canary ? variant(canary, (d) => { (d.pooler as any).poolSize = 50; }) : e));
    expect(() => loadModel(broken, TAILNETS)).toThrow(/^Invalid configuration for environment\(s\) canary \(1 problem\(s\)\) in src\/config\/environments\/canary\.ts:\n {2}- environment "canary", pooler\.poolSize: unknown field/);
  });
});

describe('remembered verdicts (a warm run does not validate an unchanged literal again)', () => {
  const verdicts = (): Record<string, unknown> => {
    try {
      return JSON.parse(fs.readFileSync(path.join(buildCacheDir('schema-validators/verdicts')!, 'environment-schema.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };

  test('remembers a valid literal, and never an invalid one, which fails again after any number of valid runs', () => {
    const fresh = variant(staging, (d) => { d.pooler.instances += 1000; });
    expect(validateStructures([fresh])).toEqual([[]]);
    expect(verdicts()[structureVerdictKey(fresh)!]).toBe(true);
    expect(validateStructures([fresh])).toEqual([[]]);

    const broken = variant(fresh, (d) => { (d.pooler as any).poolSize = 50; });
    for (let run = 0; run < 2; run++) expect(validateStructures([fresh, broken])[1]).toEqual([expect.objectContaining({ path: 'pooler.poolSize' })]);
    expect(verdicts()[structureVerdictKey(broken)!]).toBeUndefined();
  });

  test('never takes a literal JSON cannot hold exactly for the valid one it prints as (a boxed string, an inherited field, a cycle)', () => {
    expect(validateStructures([staging])).toEqual([[]]);
    const boxed = { ...staging, name: new String(staging.name) }; // eslint-disable-line no-new-wrappers
    const inherited = Object.assign(Object.create({ poolSize: 50 }) as object, staging);
    for (const literal of [boxed, inherited]) {
      expect(JSON.stringify(literal)).toBe(JSON.stringify(staging));
      expect(structureVerdictKey(literal)).toBeUndefined();
    }
    expect(validateStructures([boxed])[0]).toEqual([expect.objectContaining({ path: 'name' })]);
    expect(validateStructures([inherited])[0]).toEqual([expect.objectContaining({ path: 'poolSize' })]);
    const cyclic = variant(staging, () => undefined) as unknown as Record<string, unknown>;
    (cyclic.pooler as Record<string, unknown>).self = cyclic;
    expect(structureVerdictKey(cyclic)).toBeUndefined();
    expect(validateStructures([cyclic])[0]).toEqual([expect.objectContaining({ path: 'pooler.self' })]);
  });

  test('tells an absent field from one set to undefined (which an unknown-field rule counts)', () => {
    const withUndefined = variant(staging, (d) => { (d.pooler as any).poolSize = 1; });
    (withUndefined.pooler as any).poolSize = undefined;
    expect(validateStructures([staging])).toEqual([[]]);
    expect(validateStructures([withUndefined])[0]).toEqual([expect.objectContaining({ path: 'pooler.poolSize' })]);
    expect(structureVerdictKey(withUndefined)).toBeUndefined();
  });
});
