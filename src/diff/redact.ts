/**
 * Redaction of anything secret-looking before a diff is printed (pull-request comments and
 * CI logs are public to everyone who can read the repository).
 *
 * Redacted: values of keys named like a credential (password, token, secret, auth key, …),
 * an env var's `value` when its `name` is named so, Tailscale keys (`tskey-…`), PEM blocks,
 * the password of a URL's userinfo, and every value of a `kind: Secret`'s data. Kept:
 * references to secrets, i.e. template expressions such as ESO's
 * `{{ .password | urlquery }}` and Kubernetes' `$(VAR)`, which name a secret without holding it.
 */

export const REDACTED = '[REDACTED]';

/** Last words of a key that holds a secret (`dbPassword`, `api_token`, `clientSecret`). */
const SECRET_WORDS: ReadonlySet<string> = new Set(['password', 'passwd', 'passphrase', 'pwd', 'token', 'secret', 'credential', 'credentials', 'authkey', 'apikey', 'privatekey']);
/** `<word> key` pairs that hold a secret (`auth-key`, `TAILSCALE_AUTH_KEY`, `privateKey`). */
const SECRET_KEY_QUALIFIERS: ReadonlySet<string> = new Set(['auth', 'api', 'private', 'access', 'signing', 'encryption']);

/** Splits `TAILSCALE_AUTH_KEY`, `auth-key`, `clientSecret`, `tls.key` into lowercase words. */
function words(key: string): string[] {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');
}

/**
 * True for a key whose value is a secret. Only the last word counts, so references such as
 * `secretKeyRef`, `secretName`, `passwordSecretRef` or ESO's `secretKey` (a key *name*) are not.
 */
export function isSecretKeyName(key: string): boolean {
  const w = words(key);
  const last = w[w.length - 1];
  if (last === undefined) return false;
  if (SECRET_WORDS.has(last)) return true;
  return last === 'key' && w.length > 1 && SECRET_KEY_QUALIFIERS.has(w[w.length - 2]!);
}

/** Template expressions that name a value held elsewhere: `{{ … }}` (ESO, Helm), `$(VAR)` and `${VAR}`. */
const REFERENCE = /\{\{[\s\S]*?\}\}|\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;

/** True when the string is made of references only, so it holds no secret itself. */
export function isReference(value: string): boolean {
  return value.trim() !== '' && value.replace(REFERENCE, '').trim() === '';
}

const TAILSCALE_KEY = /tskey-[A-Za-z0-9_-]+/g;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;
/** `scheme://user:password@`: group 1 up to the colon, group 2 the password. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)(?=@)/gi;

/**
 * Redacts secrets embedded in a free-form string, leaving the rest readable:
 * `postgres://u:hunter2@h` becomes `postgres://u:[REDACTED]@h`, while
 * `postgres://u:{{ .password | urlquery }}@h` is kept (a reference).
 */
export function redactString(value: string): string {
  // Template expressions may contain spaces, quotes and slashes; park them so the patterns
  // below see a single token where each one was, and put them back untouched.
  const parked: string[] = [];
  let text = value.replace(REFERENCE, (expression) => `\u0000${parked.push(expression) - 1}\u0000`);
  text = text.replace(PEM_BLOCK, REDACTED).replace(TAILSCALE_KEY, REDACTED);
  text = text.replace(URL_PASSWORD, (match, prefix: string, password: string) => (/^(\u0000\d+\u0000)+$/.test(password) ? match : `${prefix}${REDACTED}`));
  return text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => parked[Number(i)]!);
}

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
  // An env var or parameter spelled as `{name: DB_PASSWORD, value: …}`.
  const namedSecret = typeof record.name === 'string' && isSecretKeyName(record.name);
  const isSecretObject = record.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    if (isSecretObject && (key === 'data' || key === 'stringData') && child !== null && typeof child === 'object') {
      out[key] = Object.fromEntries(Object.keys(child).map((k) => [k, REDACTED]));
    } else if (isSecretKeyName(key) || (namedSecret && key === 'value')) {
      out[key] = redactSecretValue(child);
    } else {
      out[key] = redactTree(child);
    }
  }
  return out;
}
