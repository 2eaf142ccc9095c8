/**
 * Redaction of anything secret-looking before a diff is printed (pull-request comments and
 * CI logs are public to everyone who can read the repository).
 *
 * Redacted: values of keys named like a credential (password, token, secret, auth key, …), an
 * env var's `value` when its `name` is named so, every secret src/secrets/secret-looking.ts
 * finds in any string (secretlint's rule set, JWTs, DSN and URL passwords, …), and every
 * value of a `kind: Secret`'s data. Kept:
 * references to secrets, i.e. template expressions such as ESO's
 * `{{ .password | urlquery }}` and Kubernetes' `$(VAR)`, which name a secret without holding it.
 */

import { REDACTED, isReference, isSecretAssignment, isSecretKeyName, redactString } from '../secrets/secret-looking';

/** A value under a secret-named key: kept only when it is a reference. */
function redactSecretValue(value: unknown): unknown {
  if (typeof value === 'string') return isReference(value) ? value : REDACTED;
  if (typeof value === 'number' || typeof value === 'bigint') return REDACTED;
  // Objects under a secret-named key are references in practice (`passwordSecret: {name}`).
  return redactTree(value);
}

/**
 * A copy of `value` with every secret replaced by {@link REDACTED}. The shape (keys, array
 * lengths) is unchanged, so paths into the copy are paths into the original.
 */
export function redactTree(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map(redactTree);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  // An env var or parameter spelled as `{name: DB_PASSWORD, value: …}` (or SECRET_KEY_BASE with a random value).
  const namedSecret = typeof record.name === 'string' && (isSecretKeyName(record.name) || (typeof record.value === 'string' && isSecretAssignment(record.name, record.value)));
  const isSecretObject = record.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    if (isSecretObject && (key === 'data' || key === 'stringData') && child !== null && typeof child === 'object') {
      out[key] = Object.fromEntries(Object.keys(child).map((k) => [k, REDACTED]));
    } else if (isSecretKeyName(key) || (namedSecret && key === 'value') || (typeof child === 'string' && isSecretAssignment(key, child))) {
      out[key] = redactSecretValue(child);
    } else {
      out[key] = redactTree(child);
    }
  }
  return out;
}
