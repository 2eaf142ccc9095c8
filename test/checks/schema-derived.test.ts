/**
 * The CRD data derived into the repository (imports/crd-schemas/, by `npm run import`): how it
 * is derived, and that the committed files are fresh against the CRDs cdk8s.yaml imports. The
 * freshness test needs ../shared/crds (CI has it); on a clone without it, it is skipped and
 * everything else still runs on the committed files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../src/build-cache';
import { DERIVED_CRDS_DIR, crdImports, crdSourceRoot, deriveAll, deriveCrdFile, derivedPath, withoutDescriptions } from '../../src/checks/schema/derive-crds';
import { main } from '../../src/cli/derive-crds';
import { SHARED_CRDS_DIR } from './helpers';

const ROOT = repoRoot(__dirname);
const sharedPresent = fs.existsSync(SHARED_CRDS_DIR);

describe('derived CRD schemas', () => {
  (sharedPresent ? test : test.skip)('are fresh: deriving from ../shared/crds gives the committed files byte for byte', () => {
    const derived = deriveAll(ROOT);
    const committed = fs.readdirSync(path.join(ROOT, DERIVED_CRDS_DIR), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).map((e) => path.relative(path.join(ROOT, DERIVED_CRDS_DIR), path.join(e.parentPath, e.name))).sort();
    expect(committed).toEqual([...derived.keys()].sort());
    for (const [file, text] of derived) expect(`${file}:\n${fs.readFileSync(path.join(ROOT, DERIVED_CRDS_DIR, file), 'utf8')}`).toBe(`${file}:\n${text}`);
  });

  test('are derived from every CRD cdk8s.yaml imports, mirroring their paths', () => {
    const imports = crdImports(ROOT);
    expect(imports.map((i) => i.name)).toEqual(expect.arrayContaining(['cnpg-pooler', 'eso-externalsecret']));
    const root = crdSourceRoot(imports);
    for (const { source } of imports) expect(fs.existsSync(path.join(ROOT, DERIVED_CRDS_DIR, derivedPath(source, root)))).toBe(true);
  });

  test('keep names, served versions, every x-kubernetes-* keyword (the CEL rules too) and property names; drop descriptions', () => {
    const schema = {
      type: 'object',
      description: 'drop me',
      'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }],
      properties: {
        description: { type: 'string', description: 'a field named description' },
        list: { type: 'array', items: { type: 'object', description: 'x', properties: { a: { type: 'string', default: { description: 'kept: a value' } } } } },
        choice: { anyOf: [{ type: 'integer', description: 'x' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
      },
    };
    expect(withoutDescriptions(schema)).toEqual({
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }],
      properties: {
        description: { type: 'string' },
        list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string', default: { description: 'kept: a value' } } } } },
        choice: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
      },
    });
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com', labels: { a: 'b' } },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: schema } }] },
    };
    const derived = JSON.parse(deriveCrdFile(stringify(crd), 'crds/widgets.yaml'));
    expect(derived.metadata.annotations['tuist.dev/derived-from']).toMatch(/^crds\/widgets.yaml sha256:[0-9a-f]{64} \(npm run import; do not edit\)$/);
    expect(derived.spec.versions).toEqual([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: withoutDescriptions(schema) } }]);
    expect(deriveCrdFile(stringify(crd), 'crds/widgets.yaml')).toBe(deriveCrdFile(stringify(crd), 'crds/widgets.yaml'));
  });

  test('refuse a file that is not one CRD, naming it', () => {
    expect(() => deriveCrdFile('kind: ConfigMap\n', 'crds/x.yaml')).toThrow('crds/x.yaml: 0 CustomResourceDefinitions in the file; cdk8s.yaml imports one per file.');
    expect(() => deriveCrdFile('a: [', 'crds/x.yaml')).toThrow(/^crds\/x.yaml: not valid YAML/);
  });

  test('the command writes them, and --check says when they are stale, writing nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'derive-'));
    fs.mkdirSync(path.join(dir, 'crds', 'a'), { recursive: true });
    const crd = (description: string) => stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', description } } }] } });
    fs.writeFileSync(path.join(dir, 'crds', 'a', 'widgets.yaml'), crd('one'));
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'imports:\n  - widget:=crds/a/widgets.yaml\n');
    const out: string[] = [];
    const err: string[] = [];
    const ctx = { environments: [], tailnets: [], stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    expect(main(['--check'], ctx, dir)).toBe(1);
    expect(err).toEqual(['imports/crd-schemas is stale: widgets.json. Run `npm run import` and commit the result.']);
    expect(fs.existsSync(path.join(dir, DERIVED_CRDS_DIR))).toBe(false);
    expect(main([], ctx, dir)).toBe(0);
    expect(main(['--check'], ctx, dir)).toBe(0);
    fs.writeFileSync(path.join(dir, 'crds', 'a', 'widgets.yaml'), crd('two'));
    expect(main(['--check'], ctx, dir)).toBe(1);
    fs.writeFileSync(path.join(dir, DERIVED_CRDS_DIR, 'stray.json'), '{}');
    expect(main([], ctx, dir)).toBe(0);
    expect(fs.readdirSync(path.join(dir, DERIVED_CRDS_DIR))).toEqual(['widgets.json']);
    fs.rmSync(path.join(dir, 'crds'), { recursive: true });
    expect(() => main([], ctx, dir)).toThrow('crds/a/widgets.yaml (cdk8s.yaml imports) does not exist; fetch the CRDs as docs/crds.md says.');
  });
});
