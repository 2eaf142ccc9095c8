/**
 * The CRDs' CEL rules and formats: every rule of the CRDs we render is exercised by an accepted
 * and a refused object (the gate for rules, the diff's transition evaluation for `oldSelf`
 * rules); a rule added by a CRD upgrade fails the census until it has its cases.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runChecks } from '../../src/checks/run';
import { cachedEvaluator, checkFormat, evaluateNow, parseProblem } from '../../src/checks/schema/cel-evaluator';
import { type CelNode, type CelRule, celTree, objectViolations, toCelValue, transitionViolations } from '../../src/checks/schema/cel-rules';
import { NAMES, crdCatalog, pooler, processorSecret, resultOf, runBroken, validInput } from './helpers';

interface RuleCase {
  readonly kind: string;
  readonly path: string;
  readonly rule: string;
  /** Changes the rendered object so the rule holds / fails (for transition rules: the update from the rendered object). */
  readonly accepted: (o: any) => void;
  readonly refused: (o: any) => void;
  readonly message: string;
}

const catalogRef = (extra: Record<string, unknown>) => ({ key: '17', kind: 'ImageCatalog', name: 'postgresql', apiGroup: 'postgresql.cnpg.io', ...extra });

const CASES: readonly RuleCase[] = [
  { kind: 'Pooler', path: 'spec.cluster', rule: 'self == oldSelf', accepted: () => {}, refused: (p) => { p.spec.cluster.name = 'other'; }, message: 'cluster reference is immutable after creation' },
  { kind: 'Pooler', path: 'spec.pgbouncer', rule: '!(has(self.image) && has(self.imageCatalogRef))', accepted: (p) => { p.spec.pgbouncer.image = 'ghcr.io/cloudnative-pg/pgbouncer:1.24'; }, refused: (p) => { p.spec.pgbouncer.image = 'ghcr.io/cloudnative-pg/pgbouncer:1.24'; p.spec.pgbouncer.imageCatalogRef = catalogRef({}); }, message: 'image and imageCatalogRef are mutually exclusive' },
  { kind: 'Pooler', path: 'spec.pgbouncer.imageCatalogRef', rule: "self.kind == 'ImageCatalog' || self.kind == 'ClusterImageCatalog'", accepted: (p) => { p.spec.pgbouncer.imageCatalogRef = catalogRef({ kind: 'ClusterImageCatalog' }); }, refused: (p) => { p.spec.pgbouncer.imageCatalogRef = catalogRef({ kind: 'ConfigMap' }); }, message: 'Only ImageCatalog and ClusterImageCatalog are supported' },
  { kind: 'Pooler', path: 'spec.pgbouncer.imageCatalogRef', rule: "self.apiGroup == 'postgresql.cnpg.io'", accepted: (p) => { p.spec.pgbouncer.imageCatalogRef = catalogRef({}); }, refused: (p) => { p.spec.pgbouncer.imageCatalogRef = catalogRef({ apiGroup: 'example.com' }); }, message: 'apiGroup must be postgresql.cnpg.io' },
  { kind: 'Pooler', path: 'spec.serviceAccountName', rule: 'self == oldSelf', accepted: (p) => { p.spec.serviceAccountName = 'pooler'; }, refused: (p) => { p.spec.serviceAccountName = 'other'; }, message: 'serviceAccountName is immutable' },
];

/** Every rule of a pruned tree, with where it sits. */
function rulesOf(node: CelNode | undefined, at = ''): { path: string; rule: CelRule }[] {
  if (node === undefined) return [];
  const join = (key: string) => (at === '' ? key : `${at}.${key}`);
  return [
    ...(node.rules ?? []).map((rule) => ({ path: at, rule })),
    ...Object.entries(node.properties ?? {}).flatMap(([key, child]) => rulesOf(child, join(key))),
    ...rulesOf(node.items, `${at}[]`),
    ...rulesOf(node.additionalProperties, `${at}{}`),
  ];
}

function renderedTree(kind: string): CelNode | undefined {
  const catalog = crdCatalog();
  if (catalog.status !== 'loaded') throw new Error('no CRDs');
  const crd = [...catalog.crds.values()].find((c) => c.kind === kind)!;
  return crd.cel(crd.versions.find((v) => v.served)!.name);
}

const pick = (objects: any[], kind: string): any => (kind === 'Pooler' ? pooler(objects) : processorSecret(objects));

describe('CEL rules of the CRDs we render', () => {
  test('the census: every rule in the derived CRDs has its cases here, and every case names a rule that exists', () => {
    const present = ['Pooler', 'ExternalSecret'].flatMap((kind) => rulesOf(renderedTree(kind)).map(({ path, rule }) => `${kind} ${path}: ${rule.rule}`)).sort();
    expect(CASES.map((c) => `${c.kind} ${c.path}: ${c.rule}`).sort()).toEqual(present);
    expect(present.length).toBeGreaterThan(0);
  });

  test.each(CASES.map((c) => [c.path, c.rule, c] as const))('every rule parses: %s `%s`', (_path, rule) => {
    expect(parseProblem(rule)).toBeUndefined();
  });

  const ordinary = CASES.filter((c) => !/\boldSelf\b/.test(c.rule));
  const transitions = CASES.filter((c) => /\boldSelf\b/.test(c.rule));

  test.each(ordinary.map((c) => [c.path, c.rule, c] as const))('the gate accepts and refuses by %s `%s`', (_path, _rule, c) => {
    const accepted = runBroken('staging', (objects) => c.accepted(pick(objects, c.kind)));
    expect(accepted.results.filter((r) => r.status === 'fail')).toEqual([]);
    const refused = runBroken('staging', (objects) => c.refused(pick(objects, c.kind)));
    const result = resultOf(refused, 'schema.cel-rules', 'staging');
    expect(result.status).toBe('fail');
    expect(result.message).toContain(`${c.kind} ${NAMES.pooler}, ${c.path}: the CRD's rule \`${c.rule}\` refuses it: ${JSON.stringify(c.message)}`);
    expect(result.fix).toMatch(/src\/k8s/);
  });

  test.each(transitions.map((c) => [c.path, c.rule, c] as const))('transition rule %s `%s`: not run by the gate, run on an update against the base', (_path, _rule, c) => {
    const tree = renderedTree(c.kind)!;
    const base = structuredClone(pick(validInput().environments[0]!.objects as any[], c.kind));
    c.accepted(base);
    const refused = structuredClone(base);
    c.refused(refused);
    expect(resultOf(runBroken('staging', (objects) => c.refused(pick(objects, c.kind))), 'schema.cel-rules', 'staging').status).toBe('pass');
    expect(transitionViolations(tree, base, structuredClone(base), evaluateNow)).toEqual([]);
    expect(transitionViolations(tree, base, refused, evaluateNow)).toEqual([expect.objectContaining({ path: c.path, what: expect.stringContaining(JSON.stringify(c.message)) })]);
  });

  test('a transition rule does not run when the field is new (the API server runs it only on both sides)', () => {
    const tree = renderedTree('Pooler')!;
    const before = structuredClone(pick(validInput().environments[0]!.objects as any[], 'Pooler'));
    const after = { ...structuredClone(before), spec: { ...before.spec, serviceAccountName: 'new' } };
    expect(transitionViolations(tree, before, after, evaluateNow)).toEqual([]);
  });

  test('a rule that errors (a field it reads is absent) refuses the object, as the API server does', () => {
    const run = runBroken('canary', (objects) => { pooler(objects).spec.pgbouncer.imageCatalogRef = { key: '17', kind: 'ImageCatalog', name: 'pg' }; });
    expect(resultOf(run, 'schema.cel-rules', 'canary').message).toMatch(/spec.pgbouncer.imageCatalogRef: evaluating the CRD's rule `self.apiGroup == 'postgresql.cnpg.io'` fails \(No such key: apiGroup\), which the API server refuses too/);
  });
});

describe('the pruned schema and CEL values', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'self.replicas <= self.max', message: 'too many' }, { rule: 'self.name == oldSelf.name' }],
        properties: { replicas: { type: 'integer' }, max: { type: 'integer' }, ratio: { type: 'number' }, name: { type: 'string' }, port: { 'x-kubernetes-int-or-string': true } },
      },
      status: { type: 'object', properties: { when: { type: 'string', format: 'date-time' }, size: { type: 'string', format: 'int64' }, other: { type: 'string' } } },
      unrelated: { type: 'object', properties: { n: { type: 'integer' } } },
    },
  };
  const tree = celTree(schema)!;

  test('keeps rule nodes, the integers below them and validated formats; nothing else', () => {
    expect(Object.keys(tree.properties!)).toEqual(['spec', 'status']);
    expect(tree.properties!.spec!.rules!.map((r) => r.transition)).toEqual([false, true]);
    expect(Object.keys(tree.properties!.spec!.properties!)).toEqual(['replicas', 'max', 'port']);
    expect(tree.properties!.status).toEqual({ type: 'object', properties: { when: { type: 'string', format: 'date-time' } } });
  });

  test('gives integers CEL int (BigInt) and leaves other numbers doubles', () => {
    expect(toCelValue(tree.properties!.spec, { replicas: 2, max: 3, ratio: 0.5, port: 80 })).toEqual({ replicas: 2n, max: 3n, ratio: 0.5, port: 80n });
  });

  test('runs rules and formats on an object, and names the field', () => {
    const object = { spec: { replicas: 4, max: 3, name: 'a' }, status: { when: 'yesterday' } };
    expect(objectViolations(tree, object, evaluateNow, checkFormat)).toEqual([
      { path: 'spec', what: 'the CRD\'s rule `self.replicas <= self.max` refuses it: "too many"', value: object.spec },
      { path: 'status.when', what: '"yesterday" is not a valid date-time', value: 'yesterday' },
    ]);
    expect(objectViolations(tree, { spec: { replicas: 3, max: 3, name: 'a' }, status: { when: '2026-12-01T09:00:00Z' } }, evaluateNow, checkFormat)).toEqual([]);
  });

  test.each([
    ['date-time', '2026-12-01T09:00:00Z', true], ['date-time', '2026-12-01 09:00', false], ['date', '2026-12-01', true], ['date', '01.12.2026', false],
    ['duration', '1h30m', true], ['duration', '3d', true], ['duration', 'PT1H', false], ['duration', 'soon', false],
    ['uuid', '8c1b8f38-6a4e-4bb0-9e02-2e7c0a4d5f61', true], ['uuid', 'abc', false], ['byte', 'aGVsbG8=', true], ['byte', 'not base64!', false],
  ])('format %s: %j is %s', (format, value, valid) => {
    expect(checkFormat(format, value)).toBe(valid);
  });
});

describe('schema.formats on our objects', () => {
  test('refuses an ExternalSecret whose date-time is not one, and accepts one that is', () => {
    const bad = runBroken('production', (objects) => { processorSecret(objects).status = { refreshTime: 'yesterday' }; });
    expect(resultOf(bad, 'schema.formats', 'production')).toMatchObject({ status: 'fail', message: expect.stringContaining(`ExternalSecret ${NAMES.processorSecret}, status.refreshTime: "yesterday" is not a valid date-time`) });
    const good = runBroken('production', (objects) => { processorSecret(objects).status = { refreshTime: '2026-12-01T09:00:00Z' }; });
    expect(good.results.filter((r) => r.status === 'fail')).toEqual([]);
  });

  test('is SKIPPED without CRD schemas (schema.custom-resources is the one that fails with --require-schemas)', () => {
    const missing = { status: 'missing', dir: '/nonexistent/crds' } as const;
    expect(resultOf(runChecks(validInput({ crds: missing, requireSchemas: false })), 'schema.cel-rules', 'staging')).toMatchObject({ status: 'skip', message: 'SKIPPED: no CRD schemas at /nonexistent/crds; CEL rules and formats were NOT checked.' });
    expect(resultOf(runChecks(validInput({ crds: missing, requireSchemas: true })), 'schema.formats', 'staging').status).toBe('skip');
  });
});

describe('the verdict cache', () => {
  test('answers a known rule and value without evaluating, and keeps new verdicts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cel-'));
    const rule: CelRule = { rule: 'self.a == 1', transition: false };
    const first = cachedEvaluator(dir);
    expect(first.evaluate(rule, { self: { a: 2n } })).toEqual({ ok: false });
    first.flush();
    const file = path.join(dir, 'cel-verdicts.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.values(stored)).toEqual([{ ok: false }]);
    // A verdict edited behind the evaluator's back shows through: proof that it was read, not evaluated.
    fs.writeFileSync(file, JSON.stringify(Object.fromEntries(Object.keys(stored).map((k) => [k, { ok: true }]))));
    expect(cachedEvaluator(dir).evaluate(rule, { self: { a: 2n } })).toEqual({ ok: true });
    expect(cachedEvaluator(dir).evaluate(rule, { self: { a: 1n } })).toEqual({ ok: true });
  });
});
