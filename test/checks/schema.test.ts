import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { runChecks } from '../../src/checks/run';
import { compileCrdFile } from '../../src/checks/schema/compile-crds';
import { loadCrdCatalog } from '../../src/checks/schema/crd-catalog';
import { toJsonSchema } from '../../src/checks/schema/structural-schema';
import { stringify } from 'yaml';
import { CRDS_DIR, crdCatalog, expectOnlyFailure, pooler, processorSecret, resultOf, runBroken, validInput } from './helpers';

/** A small CRD exercising the structural-schema extensions. */
const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets' },
    scope: 'Namespaced',
    versions: [
      { name: 'v1alpha1', served: false, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A widget.',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                  port: { 'x-kubernetes-int-or-string': true },
                  mode: { type: 'string', enum: ['fast', 'slow'] },
                  note: { type: 'string', nullable: true },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
                  embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
                  choice: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { properties: { b: { type: 'string' } }, required: ['b'] }] },
                  items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' } } } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

const widget = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

describe('structural schema → JSON Schema', () => {
  const converted = toJsonSchema(WIDGET_CRD.spec.versions[1]!.schema.openAPIV3Schema as Record<string, unknown>) as any;
  const spec = converted.properties.spec;

  test('rejects unknown fields where the schema lists properties, and nowhere it preserves them or maps them', () => {
    expect(converted.additionalProperties).toBe(false);
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties.labels.additionalProperties).toEqual({ type: 'string' });
    expect(spec.properties.extra.additionalProperties).toBeUndefined();
    expect(converted.properties.metadata.additionalProperties).toBeUndefined();
  });

  test('keeps properties inside oneOf branches as value constraints only', () => {
    expect(spec.properties.choice.additionalProperties).toBe(false);
    expect(spec.properties.choice.oneOf[1].additionalProperties).toBeUndefined();
  });

  test('turns the Kubernetes extensions into JSON Schema and drops descriptions', () => {
    expect(spec.properties.port.anyOf).toEqual([{ type: 'integer' }, { type: 'string' }]);
    expect(Object.keys(spec.properties.embedded.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(JSON.stringify(converted)).not.toMatch(/x-kubernetes-|"description"/);
  });
});

describe('compiled CRD validators', () => {
  const compiled = compileCrdFile(stringify(WIDGET_CRD), 'widgets.yaml');
  const validate = compiled.validators[compiled.crds[0]!.versions.find((v) => v.name === 'v1')!.exportName!]!;

  test('describe the file\'s CRDs, compiling only served versions', () => {
    expect(compiled.crds).toEqual([{ group: 'example.com', kind: 'Widget', versions: [{ name: 'v1alpha1', served: false }, { name: 'v1', served: true, exportName: 'v0' }] }]);
  });

  test.each([
    ['an integer size', { size: 3 }],
    ['a string size and port', { size: '3Gi', port: 'metrics' }],
    ['a null note', { size: 1, note: null }],
    ['unknown fields where they are preserved', { size: 1, extra: { anything: { goes: 1 } } }],
    ['an embedded object with apiVersion and kind', { size: 1, embedded: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { x: 1 } } }],
    ['a oneOf branch', { size: 1, choice: { b: 'x' } }],
  ])('accept %s', (_what, spec) => {
    expect(validate(widget(spec))).toBe(true);
  });

  test.each([
    ['an unknown field', { size: 1, colour: 'red' }, 'additionalProperties'],
    ['an unknown field in a list item', { size: 1, items: [{ name: 'a', nmae: 'b' }] }, 'additionalProperties'],
    ['a value outside the enum', { size: 1, mode: 'medium' }, 'enum'],
    ['a missing required field', {}, 'required'],
    ['a boolean where an int or a string goes', { size: true }, 'anyOf'],
    ['a null where the schema is not nullable', { size: 1, mode: null }, 'type'],
  ])('reject %s', (_what, spec, keyword) => {
    expect(validate(widget(spec))).toBe(false);
    expect(validate.errors!.map((e) => e.keyword)).toContain(keyword);
  });
});

describe('CRD catalog', () => {
  const wanted = [{ group: 'example.com', kind: 'Widget' }];

  test('says when the directory is missing', () => {
    expect(loadCrdCatalog('/nonexistent/crds', wanted)).toEqual({ status: 'missing', dir: '/nonexistent/crds' });
  });

  test('parses only files naming a wanted kind, and reports broken or duplicate ones', () => {
    const dir = tempDir({
      'a/widgets.yaml': stringify(WIDGET_CRD),
      'b/unrelated.yaml': 'this: is: not yaml: [',
      'c/broken-widget.yaml': 'kind: Widget\nspec: [',
      'd/widgets-again.json': JSON.stringify(WIDGET_CRD),
    });
    const catalog = loadCrdCatalog(dir, wanted);
    if (catalog.status !== 'loaded') throw new Error('not loaded');
    expect([...catalog.crds.keys()]).toEqual(['example.com/Widget']);
    expect(catalog.crds.get('example.com/Widget')!.file).toBe('a/widgets.yaml');
    expect(catalog.problems).toEqual([
      expect.stringMatching(/^c\/broken-widget.yaml: not valid YAML/),
      'example.com Widget is defined twice, in a/widgets.yaml and d/widgets-again.json; keep only the release the cluster runs.',
    ]);
  });

  test('caches compiled validators by content: a second load reads the cache, a changed file is compiled again', () => {
    const dir = tempDir({ 'widgets.yaml': stringify(WIDGET_CRD) });
    const cacheDir = path.join(tempDir({}), 'cache');
    const first = loadCrdCatalog(dir, wanted, { cacheDir }) as Extract<ReturnType<typeof loadCrdCatalog>, { status: 'loaded' }>;
    expect(first.crds.get('example.com/Widget')!.validator('v1')!(widget({ size: 1 }))).toBe(true);
    // What the file says (JSON) and the validators' code (JS), apart.
    expect(fs.readdirSync(cacheDir).sort()).toEqual([expect.stringMatching(/^widgets\.yaml\.[0-9a-f]{32}\.js$/), expect.stringMatching(/^widgets\.yaml\.[0-9a-f]{32}\.json$/)]);
    const entry = fs.readdirSync(cacheDir).find((f) => f.endsWith('.json'));

    // An entry edited behind the catalog's back shows through: proof that it was read.
    const edited = JSON.parse(fs.readFileSync(path.join(cacheDir, entry!), 'utf8'));
    edited.meta[0].versions[1].name = 'v1-from-cache';
    fs.writeFileSync(path.join(cacheDir, entry!), JSON.stringify(edited));
    const second = loadCrdCatalog(dir, wanted, { cacheDir }) as typeof first;
    const cached = second.crds.get('example.com/Widget')!;
    expect(cached.versions.map((v) => v.name)).toEqual(['v1alpha1', 'v1-from-cache']);
    expect(cached.validator('v1-from-cache')!(widget({ size: 1, colour: 'red' }))).toBe(false);
    // The cached code ran, through a V8 code cache written for this process's flags.
    const stem = entry!.replace(/\.json$/, '');
    expect(fs.readdirSync(cacheDir).sort()).toEqual([expect.stringMatching(new RegExp(`^${stem.replace(/\./g, '\\.')}-[0-9a-f]{8}\\.v8$`)), `${stem}.js`, entry]);

    fs.writeFileSync(path.join(dir, 'widgets.yaml'), stringify(WIDGET_CRD).replace('A widget.', 'A changed widget.'));
    const third = loadCrdCatalog(dir, wanted, { cacheDir }) as typeof first;
    expect(third.crds.get('example.com/Widget')!.versions.map((v) => v.name)).toEqual(['v1alpha1', 'v1']);
    // The new content has an entry of its own; the old one stays (a diff's base may still use it)…
    const hashOf = (file: string): string => file.split('.')[2]!.split('-')[0]!;
    const renewed = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
    expect(renewed.map(hashOf).sort()).toEqual([hashOf(entry!), expect.not.stringContaining(hashOf(entry!))].sort());
    // …until four newer contents were compiled: five entries stay, the oldest go, every file of them.
    for (let n = 0; n < 4; n++) {
      fs.writeFileSync(path.join(dir, 'widgets.yaml'), stringify(WIDGET_CRD).replace('A widget.', `Widget number ${n}.`));
      loadCrdCatalog(dir, wanted, { cacheDir });
    }
    const left = fs.readdirSync(cacheDir);
    expect(new Set(left.map(hashOf)).size).toBe(5);
    expect(left.filter((f) => f.includes(hashOf(entry!)))).toEqual([]);
  });
});

describe('schema.custom-resources', () => {
  test('fails when a custom resource has a field its CRD does not define', () => {
    const run = runBroken('canary', (objects) => { pooler(objects).spec.pgbouncer.poolSize = 20; });
    const failure = expectOnlyFailure(run, 'schema.custom-resources', 'canary');
    expect(failure.message).toMatch(/Pooler tuist-tuist-pg-pooler-rw does not match the schema of cloudnative-pg\/postgresql.cnpg.io_poolers.json: spec.pgbouncer: unknown field "poolSize"/);
  });

  test('fails, naming the allowed values, when a value is outside an enum', () => {
    const run = runBroken('staging', (objects) => { processorSecret(objects).spec.target.creationPolicy = 'Own'; });
    expect(expectOnlyFailure(run, 'schema.custom-resources', 'staging').message).toMatch(/spec.target.creationPolicy: "Own" is not one of "Owner", "Orphan", "Merge", "None"/);
  });

  test('fails when the apiVersion is not served by the cluster\'s CRD', () => {
    const run = runBroken('production', (objects) => { processorSecret(objects).apiVersion = 'external-secrets.io/v1beta1'; });
    expect(expectOnlyFailure(run, 'schema.custom-resources', 'production').message).toMatch(/apiVersion external-secrets.io\/v1beta1 is not served by the cluster's CRD .*served: v1/);
  });

  test('fails when the directory has no CRD for a kind that is rendered', () => {
    const dir = tempDir({ 'readme.md': 'nothing here' });
    const run = runChecks(validInput({ crds: loadCrdCatalog(dir, [{ group: 'postgresql.cnpg.io', kind: 'Pooler' }]) }));
    const failure = resultOf(run, 'schema.custom-resources', 'staging');
    expect(failure).toMatchObject({ status: 'fail', message: expect.stringMatching(/no CRD for postgresql.cnpg.io Pooler in .*crds-/) });
  });

  test('is SKIPPED, loudly, when the CRD directory is missing, and fails with --require-schemas', () => {
    const missing = { status: 'missing', dir: '/nonexistent/crds' } as const;
    const skipped = runChecks(validInput({ crds: missing, requireSchemas: false }));
    expect(skipped.ok).toBe(true);
    expect(resultOf(skipped, 'schema.custom-resources', 'canary')).toMatchObject({
      status: 'skip',
      message: 'SKIPPED: no CRD schemas at /nonexistent/crds; 2 custom resources (postgresql.cnpg.io/Pooler, external-secrets.io/ExternalSecret) were NOT validated.',
      fix: expect.stringMatching(/--crds <dir>/),
    });
    const required = runChecks(validInput({ crds: missing, requireSchemas: true }));
    expect(required.ok).toBe(false);
    expect(required.results.filter((r) => r.status === 'fail').map((r) => r.check)).toEqual(validInput().environments.map(() => 'schema.custom-resources'));
  });

  test('fails for any unknown field added anywhere in a rendered custom resource', () => {
    const input = validInput();
    const canary = input.environments.find((e) => e.environment.name === 'canary')!;
    const nodes: [number, string[]][] = [];
    const walk = (value: any, index: number, at: string[]): void => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      if (at[0] === 'spec') nodes.push([index, at]);
      for (const [k, v] of Object.entries(value)) walk(v, index, [...at, k]);
    };
    canary.objects.forEach((o, i) => { if (o.kind !== 'Deployment') walk(o, i, []); });
    fc.assert(fc.property(fc.constantFrom(...nodes), fc.stringMatching(/^[a-z][A-Za-z]{2,12}$/), ([index, at], name) => {
      const objects = structuredClone(canary.objects) as any[];
      let node = objects[index];
      for (const step of at) node = node[step];
      fc.pre(!(name in node));
      node[name] = 1;
      const run = runChecks({ ...input, environments: input.environments.map((e) => (e === canary ? { ...e, objects } : e)) });
      expect(resultOf(run, 'schema.custom-resources', 'canary').status).toBe('fail');
    }), { numRuns: 40 });
  });

  test('loads exactly the CRDs of the rendered kinds from the derived directory', () => {
    const catalog = crdCatalog();
    if (catalog.status !== 'loaded') throw new Error(`no CRDs at ${CRDS_DIR}; see docs/crds.md`);
    expect(catalog.problems).toEqual([]);
    expect([...catalog.crds.values()].map((c) => `${c.file}: ${c.versions.filter((v) => v.served).map((v) => v.name)}`).sort()).toEqual([
      'cloudnative-pg/postgresql.cnpg.io_poolers.json: v1',
      'external-secrets/external-secrets.io_externalsecrets.json: v1',
    ]);
  });
});
