/**
 * What looks like a secret: one definition for the manifest policy check (which refuses
 * literal credentials) and the diff (which redacts them before printing).
 *
 * A secret is a value under a credential-named key (password, token, secret, auth key, …) or a
 * value that looks like one whatever its name: a Tailscale key (`tskey-…`), a PEM block, the
 * password of a URL's userinfo, a well-known API token format. References to secrets, i.e.
 * template expressions such as ESO's `{{ .password | urlquery }}` and Kubernetes' `$(VAR)`,
 * name a secret without holding it and are not secrets.
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
/** A PEM block, to its END line or, cut short, to the end of the string. */
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** `scheme://user:password@`: group 1 up to the colon, group 2 the password. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)(?=@)/gi;
/** GitHub, Slack and AWS access key formats. */
const API_TOKEN = /\b(gh[pousr]_[A-Za-z0-9_]+|github_pat_[A-Za-z0-9_]+|xox[abprs]-[A-Za-z0-9-]+|AKIA[0-9A-Z]{16})/g;

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
  text = text.replace(PEM_BLOCK, REDACTED).replace(TAILSCALE_KEY, REDACTED).replace(API_TOKEN, REDACTED);
  text = text.replace(URL_PASSWORD, (match, prefix: string, password: string) => (/^(\u0000\d+\u0000)+$/.test(password) ? match : `${prefix}${REDACTED}`));
  return text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => parked[Number(i)]!);
}

/**
 * What a value that holds a secret itself looks like (for a message that never repeats the
 * value), or undefined when it holds none: exactly the values {@link redactString} changes.
 */
export function secretValueKind(value: string): string | undefined {
  const kinds: readonly [RegExp, string][] = [
    [TAILSCALE_KEY, 'a Tailscale key (tskey-…)'],
    [PEM_PRIVATE_KEY, 'a PEM private key'],
    [PEM_BLOCK, 'a PEM block'],
    [API_TOKEN, 'an API token'],
  ];
  const parked = value.replace(REFERENCE, '');
  for (const [pattern, what] of kinds) if (parked.search(pattern) >= 0) return what;
  return redactString(value) === value ? undefined : 'a URL with a password';
}
