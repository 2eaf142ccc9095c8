/**
 * What of a CRD's schema ajv cannot check: its CEL rules (`x-kubernetes-validations`) and the
 * `format`s the API server validates. At compile time a schema is pruned to the nodes that
 * carry a rule or a format (plus, below a rule, the integer fields, so `self` has CEL's
 * types); the pruned tree is cached with the validators and walked with an object.
 * Rules that read `oldSelf` are transition rules: the API server runs them on update only,
 * when the field exists on both sides, so the gate skips them and the diff runs them against
 * the base (see transitionViolations).
 */

type Schema = Record<string, unknown>;

export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  /** Where the API server reports it, relative to the rule's node (e.g. `.image`). */
  readonly fieldPath?: string;
  /** Reads `oldSelf`: run on update only. */
  readonly transition: boolean;
}

/** A schema node, pruned to what CEL evaluation and format validation need. */
export interface CelNode {
  readonly rules?: readonly CelRule[];
  readonly type?: string;
  readonly intOrString?: true;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, CelNode>>;
  readonly items?: CelNode;
  readonly additionalProperties?: CelNode;
}

/**
 * The string formats the API server validates in a CRD (apiextensions-apiserver's supported
 * formats, as far as ajv-formats has them); others (`int32`, `int64`, …) constrain nothing.
 */
export const VALIDATED_FORMATS: ReadonlySet<string> = new Set([
  'date-time', 'datetime', 'date', 'duration', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'byte',
]);

const readsOldSelf = (rule: string): boolean => /\boldSelf\b/.test(rule);

/** The pruned tree of a structural schema, or undefined when nothing in it needs checking. */
export function celTree(schema: Schema, underRule = false): CelNode | undefined {
  const validations = (schema['x-kubernetes-validations'] ?? []) as readonly Record<string, unknown>[];
  const rules = validations.map((v): CelRule => ({
    rule: String(v.rule),
    ...(typeof v.message === 'string' && { message: v.message }),
    ...(typeof v.messageExpression === 'string' && { messageExpression: v.messageExpression }),
    ...(typeof v.fieldPath === 'string' && { fieldPath: v.fieldPath }),
    transition: readsOldSelf(String(v.rule)) || v.optionalOldSelf === true,
  }));
  const below = underRule || rules.length > 0;
  const child = (value: unknown): CelNode | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? celTree(value as Schema, below) : undefined);
  const properties = Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Schema>)
    .map(([name, s]) => [name, celTree(s, below)] as const).filter((e): e is [string, CelNode] => e[1] !== undefined));
  const items = child(schema.items);
  const additionalProperties = child(schema.additionalProperties);
  const format = typeof schema.format === 'string' && VALIDATED_FORMATS.has(schema.format) ? schema.format : undefined;
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const typed = below && (schema.type === 'integer' || intOrString);
  const node: CelNode = {
    ...(rules.length > 0 && { rules }),
    ...(typeof schema.type === 'string' && { type: schema.type }),
    ...(intOrString && { intOrString: true as const }),
    ...(format !== undefined && { format }),
    ...(Object.keys(properties).length > 0 && { properties }),
    ...(items !== undefined && { items }),
    ...(additionalProperties !== undefined && { additionalProperties }),
  };
  const needed = rules.length > 0 || format !== undefined || typed || Object.keys(properties).length > 0 || items !== undefined || additionalProperties !== undefined;
  return needed ? node : undefined;
}

/** A JSON value as CEL sees it under this schema: integers are CEL ints (BigInt), other numbers doubles. */
export function toCelValue(node: CelNode | undefined, value: unknown): unknown {
  if (typeof value === 'number') return (node?.type === 'integer' || node?.intOrString === true) && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((item) => toCelValue(node?.items, item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, toCelValue(node?.properties?.[key] ?? node?.additionalProperties, v)]));
  }
  return value;
}

/** What evaluating a rule gave: true, false, or an error (which the API server also refuses). */
export type CelOutcome = { readonly ok: true } | { readonly ok: false; readonly message?: string; readonly error?: string };

/** Runs one rule on `self` (and `oldSelf`): see cel-evaluator.ts. */
export type EvaluateCel = (rule: CelRule, variables: { readonly self: unknown; readonly oldSelf?: unknown }) => CelOutcome;

/** Checks one string against a format: see cel-evaluator.ts. */
export type CheckFormat = (format: string, value: string) => boolean;

export interface Violation {
  /** `spec.pgbouncer` */
  readonly path: string;
  readonly what: string;
  /** The value the rule judged (and, for a transition rule, the old one). */
  readonly value: unknown;
  readonly old?: unknown;
}

const join = (path: string, key: string): string => (path === '' ? key : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

function describeRule(rule: CelRule, outcome: Extract<CelOutcome, { ok: false }>): string {
  if (outcome.error !== undefined) return `evaluating the CRD's rule \`${rule.rule}\` fails (${outcome.error}), which the API server refuses too`;
  return `the CRD's rule \`${rule.rule}\` refuses it: ${JSON.stringify(outcome.message ?? rule.message ?? `failed rule: ${rule.rule}`)}`;
}

interface Walk {
  readonly evaluate?: EvaluateCel | undefined;
  readonly checkFormat?: CheckFormat | undefined;
  /** Update mode: the old object; only transition rules run. */
  readonly update: boolean;
}

function walk(node: CelNode, value: unknown, old: unknown, path: string, how: Walk, out: Violation[]): void {
  if (value === undefined) return;
  if (how.checkFormat !== undefined && node.format !== undefined && typeof value === 'string' && !how.checkFormat(node.format, value)) {
    out.push({ path, what: `${JSON.stringify(value)} is not a valid ${node.format}`, value });
  }
  if (how.evaluate !== undefined) {
    for (const rule of node.rules ?? []) {
      if (rule.transition !== how.update || (how.update && old === undefined)) continue;
      const outcome = how.evaluate(rule, how.update ? { self: toCelValue(node, value), oldSelf: toCelValue(node, old) } : { self: toCelValue(node, value) });
      if (!outcome.ok) out.push({ path: `${path}${rule.fieldPath ?? ''}`, what: describeRule(rule, outcome), value, ...(how.update && { old }) });
    }
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    // Old list items are not correlated (the API server does it only for map lists): their transition rules are not run.
    if (node.items !== undefined) value.forEach((item, i) => walk(node.items!, item, undefined, `${path}[${i}]`, how, out));
    return;
  }
  const record = value as Record<string, unknown>;
  const oldRecord = old !== null && typeof old === 'object' && !Array.isArray(old) ? old as Record<string, unknown> : {};
  for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, record[key], oldRecord[key], join(path, key), how, out);
  if (node.additionalProperties !== undefined) {
    for (const key of Object.keys(record).filter((k) => node.properties?.[k] === undefined)) walk(node.additionalProperties, record[key], oldRecord[key], join(path, key), how, out);
  }
}

/** What an object's rules (not its transition rules) and formats refuse. */
export function objectViolations(tree: CelNode, object: unknown, evaluate: EvaluateCel | undefined, checkFormat: CheckFormat | undefined): Violation[] {
  const out: Violation[] = [];
  walk(tree, object, undefined, '', { evaluate, checkFormat, update: false }, out);
  return out;
}

/** What the transition rules refuse when `before` is updated to `after`. */
export function transitionViolations(tree: CelNode, before: unknown, after: unknown, evaluate: EvaluateCel): Violation[] {
  const out: Violation[] = [];
  walk(tree, after, before, '', { evaluate, update: true }, out);
  return out;
}

/** Whether a tree has any rule (so the evaluator, which takes a while to load, is needed at all). */
export function hasRules(tree: CelNode | undefined, transition: boolean): boolean {
  if (tree === undefined) return false;
  if ((tree.rules ?? []).some((r) => r.transition === transition)) return true;
  return [...Object.values(tree.properties ?? {}), tree.items, tree.additionalProperties].some((c) => hasRules(c, transition));
}
