/**
 * A CRD's `openAPIV3Schema` (a Kubernetes structural schema) as a JSON Schema that ajv
 * validates the way the API server does, as far as a schema can say:
 * - unknown fields are rejected: an object schema with `properties` and neither
 *   `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` gets
 *   `additionalProperties: false` (the API server would prune them, or refuse them with
 *   strict field validation); never inside `allOf`/`anyOf`/`oneOf`/`not`, whose
 *   `properties` only constrain values;
 * - `x-kubernetes-int-or-string` accepts an integer or a string;
 * - `x-kubernetes-embedded-resource` also allows `apiVersion`, `kind` and `metadata`;
 * - `nullable` is kept (ajv understands it next to `type`);
 * - other `x-kubernetes-*` keywords are dropped: list/map types only matter to server-side
 *   apply, and `x-kubernetes-validations` are CEL rules, which cel-rules.ts runs;
 * - `description` is dropped: it is most of a CRD's bytes and validates nothing.
 */

type Schema = Record<string, unknown>;

/** Bump when the conversion changes, so cached validators of the old one are not reused. */
export const STRUCTURAL_CONVERSION_VERSION = 2;

const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;

export function toJsonSchema(schema: Schema, structural = true): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, child]) => [name, toJsonSchema(child, structural)]));
    } else if ((key === 'additionalProperties' || key === 'items' || key === 'not') && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out[key] = toJsonSchema(value as Schema, structural && key !== 'not');
    } else if ((COMBINATORS as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.map((branch: Schema) => toJsonSchema(branch, false));
    } else {
      out[key] = value;
    }
  }
  if (schema.nullable === true && schema.type === undefined) delete out.nullable;
  if (schema['x-kubernetes-int-or-string'] === true && schema.type === undefined && schema.anyOf === undefined) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema['x-kubernetes-embedded-resource'] === true) {
    const properties = (out.properties ?? {}) as Record<string, Schema>;
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...properties };
  }
  const preserves = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (structural && out.properties !== undefined && out.additionalProperties === undefined && !preserves) {
    out.additionalProperties = false;
  }
  return out;
}
