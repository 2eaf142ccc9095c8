/**
 * What looks like a secret: one definition for the manifest policy check (which refuses
 * literal credentials, so synthesis writes nothing), the diff's redaction and the redaction of
 * logs (`npm run redact`).
 *
 * A value holds a secret when one of these finds it:
 * - the rule set of secretlint (`@secretlint/secretlint-rule-preset-recommend`: AWS, GCP,
 *   GitHub, GitLab, Slack, Stripe, npm, SendGrid, OpenAI, Anthropic, Tailscale, private keys,
 *   and more), maintained upstream and run here offline and synchronously;
 * - the formats it has no rule for, each written once below: a JWT, an `Authorization`
 *   scheme's credentials (Bearer, Basic), the password of a URL's userinfo (up to the last `@`
 *   of the authority: a password may hold `@`), a `password=` pair of a libpq/ADO.NET DSN, a
 *   JSON member named like a credential, a Tailscale key and a PEM block;
 * - an assignment whose name says it holds a secret (`DB_PASS`, `TAILSCALE_AUTH_KEY`) or names
 *   a credential keyword and whose value is random-looking (`SECRET_KEY_BASE`), after
 *   gitleaks' `generic-api-key` rule (keyword in the name, Shannon entropy ≥ 3.5).
 * References to secrets, i.e. template expressions such as ESO's `{{ .password | urlquery }}`
 * and Kubernetes' `$(VAR)`, name a secret without holding it and are never secrets.
 * Messages name what was found (the rule), never the value.
 */
import { rules as secretlintRules } from '@secretlint/secretlint-rule-preset-recommend';

export const REDACTED = '[REDACTED]';

/** Last words of a key that holds a secret (`dbPassword`, `api_token`, `clientSecret`, `DB_PASS`). */
const SECRET_WORDS: ReadonlySet<string> = new Set(['password', 'passwd', 'pass', 'passphrase', 'pwd', 'token', 'secret', 'credential', 'credentials', 'creds', 'authkey', 'apikey', 'privatekey', 'dsn']);
/** `<word> key` pairs that hold a secret (`auth-key`, `TAILSCALE_AUTH_KEY`, `privateKey`, `MASTER_KEY`). */
const SECRET_KEY_QUALIFIERS: ReadonlySet<string> = new Set(['auth', 'api', 'private', 'access', 'signing', 'encryption', 'master', 'client', 'license']);
/** Words of a name that say its value may be a credential, when that value is random-looking. */
const CREDENTIAL_KEYWORDS: ReadonlySet<string> = new Set([...SECRET_WORDS, 'auth', 'api', 'key', 'access', 'private', 'signing']);
/** Last words of a name that say its value is a name, a reference or a location, not a secret. */
const REFERENCE_WORDS: ReadonlySet<string> = new Set(['name', 'names', 'ref', 'id', 'path', 'file', 'dir', 'directory', 'store', 'kind', 'property', 'selector', 'version', 'type', 'mode', 'tags', 'tag']);

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

/** What redacted output prints instead of a secret (ours, Pulumi's, common masks), and YAML's booleans and null: not secrets. */
const PLACEHOLDERS: ReadonlySet<string> = new Set([REDACTED, '[secret]', '***', '[sensitive]', 'true', 'false', 'null', '~']);

/** A secret found in a string: where, and which rule found it (never the value). */
export interface SecretFinding {
  readonly start: number;
  readonly end: number;
  /** What it is, for a message: e.g. "a JWT", "a Stripe credential (secretlint rule stripe)". */
  readonly kind: string;
}

interface Pattern {
  readonly kind: string;
  readonly pattern: RegExp;
  /** The capture group holding the secret (0: the whole match). */
  readonly group: number;
}

/** The formats secretlint's recommended set has no rule for; each group is the secret part only. */
const PATTERNS: readonly Pattern[] = [
  // A PEM block, to its END line or, cut short, to the end of the string.
  { kind: 'a PEM private key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, group: 0 },
  { kind: 'a PEM block', pattern: /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g, group: 0 },
  { kind: 'a Tailscale key (tskey-…)', pattern: /tskey-[A-Za-z0-9_-]+/g, group: 0 },
  // gitleaks rule "jwt": header and payload are base64url JSON objects, so both start with "ey".
  { kind: 'a JWT', pattern: /\bey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g, group: 0 },
  // RFC 6750 b64token and RFC 7617 credentials after the scheme.
  { kind: 'a bearer token', pattern: /\bbearer\s+([A-Za-z0-9\-._~+/]{8,}=*)/gi, group: 1 },
  { kind: 'basic authentication credentials', pattern: /\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/gi, group: 1 },
  // `scheme://user:password@host`: the password runs to the authority's last "@" (it may hold "@").
  { kind: 'a URL with a password', pattern: /[a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:([^\s/?#]*)@(?=[^\s@/?#]*(?:[/?#\s]|$))/gi, group: 1 },
  // libpq conninfo (`password=…`), ADO.NET/JDBC (`Password=…;`), query strings (`?password=…&`).
  { kind: 'a DSN password', pattern: /(?<![A-Za-z0-9_])(?:password|passwd|pwd)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s;&'"]+)/gi, group: 1 },
  // A JSON member named like a credential: `"client_secret": "…"`.
  { kind: 'a JSON credential', pattern: /"([^"\\]{1,100})"\s*:\s*"((?:[^"\\]|\\.)*)"/g, group: 2 },
  // `NAME=value` or `name: value` in free text (logs, a preview), judged like any assignment.
  { kind: 'a credential assigned to a credential name', pattern: /(?<![A-Za-z0-9_.-])([A-Za-z_][A-Za-z0-9_.-]{1,80})["']?[ \t]*(?::=|=>|:|=)[ \t]*["']?([^\s"',;&]+)/g, group: 2 },
];

/** The rule shape of secretlint's rule API (@secretlint/types), as far as this adapter drives it. */
interface SecretlintRule {
  readonly meta: { readonly id: string };
  create(context: unknown, options: unknown): { file?(source: unknown): unknown };
}

/**
 * secretlint's recommended rules, minus filter-comments: a configured value must not be able
 * to switch detection off with a `secretlint-disable` comment.
 */
const SECRETLINT_RULES: readonly SecretlintRule[] = (secretlintRules as unknown as SecretlintRule[])
  .filter((rule) => rule.meta.id !== '@secretlint/secretlint-rule-filter-comments');

/** Runs secretlint's text rules on one string, synchronously (they are plain pattern scans). */
function secretlintFindings(content: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const source = { content, filePath: 'value.txt', ext: '.txt', contentType: 'text' };
  for (const rule of SECRETLINT_RULES) {
    const name = rule.meta.id.replace('@secretlint/secretlint-rule-', '');
    const context = {
      // Rule messages quote the secret; only the range is kept.
      createTranslator: () => () => '',
      report: ({ range }: { range: readonly [number, number] }) => { findings.push({ start: range[0], end: range[1], kind: `a ${name} credential (secretlint rule ${name})` }); },
      ignore: () => undefined,
    };
    const result = rule.create(context, {}).file?.(source);
    // A rule that only works asynchronously (binary .p12 files) never applies to text.
    if (result instanceof Promise) void result.catch(() => undefined);
  }
  return findings;
}

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

/** A random-looking token: gitleaks' generic-api-key value, with letters and digits, entropy ≥ 3.5. */
function looksRandom(value: string): boolean {
  return /^[A-Za-z0-9+/=_.~-]{16,}$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && entropy(value) >= 3.5
    && !isWordName(value);
}

/**
 * Lower-case words joined by `-`, `_` or `.` (`github-app-private-key-base64`, a Secret's key
 * name): a name people wrote, however long, not a random token (which mixes case or runs of
 * digits and letters without separators).
 */
function isWordName(value: string): boolean {
  const words = value.split(/[-_.]/);
  return words.length >= 2 && words.every((w) => /^[a-z]+[0-9]{0,3}$|^[0-9]{1,3}$/.test(w));
}

/** Findings by string: the diff redacts both trees, which repeat almost every string. */
const FINDINGS_CACHE = new Map<string, readonly SecretFinding[]>();
const FINDINGS_CACHE_MAX = 20_000;

/** Every secret in a free-form string, sorted, without overlaps (the more precise finding wins). */
export function findSecrets(value: string): readonly SecretFinding[] {
  const cached = FINDINGS_CACHE.get(value);
  if (cached !== undefined) return cached;
  const found = scan(value);
  if (FINDINGS_CACHE.size >= FINDINGS_CACHE_MAX) FINDINGS_CACHE.clear();
  FINDINGS_CACHE.set(value, found);
  return found;
}

function scan(value: string): readonly SecretFinding[] {
  // Template expressions may contain spaces, quotes and slashes; blank them out (same length,
  // so offsets stay valid) so no pattern sees a secret in a reference.
  const text = value.replace(REFERENCE, (expression) => '\u0000'.repeat(expression.length));
  const found: SecretFinding[] = [];
  for (const { kind, pattern, group } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const secret = match[group];
      if (secret === undefined || secret === '' || /^\u0000+$/.test(secret)) continue;
      if (kind === 'a JSON credential' && !isSecretKeyName(match[1]!)) continue;
      if (kind === 'a credential assigned to a credential name' && !isSecretAssignment(match[1]!, secret)) continue;
      const start = match.index! + (group === 0 ? 0 : match[0].lastIndexOf(secret));
      found.push({ start, end: start + secret.length, kind });
    }
  }
  const precise = found.length;
  // No rule of the set matches fewer than 16 characters (keys and tokens are long).
  for (const finding of text.length < 16 ? [] : secretlintFindings(text)) {
    // A connection string or basic-auth URL secretlint reports whole is already redacted to its password.
    if (!found.slice(0, precise).some((f) => f.start < finding.end && finding.start < f.end)) found.push(finding);
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: SecretFinding[] = [];
  for (const f of found) {
    const last = merged[merged.length - 1];
    if (last !== undefined && f.start < last.end) {
      if (f.end > last.end) merged[merged.length - 1] = { ...last, end: f.end };
    } else {
      merged.push(f);
    }
  }
  return merged;
}

/**
 * Redacts secrets embedded in a free-form string, leaving the rest readable:
 * `postgres://u:hunter2@h` becomes `postgres://u:[REDACTED]@h`, while
 * `postgres://u:{{ .password | urlquery }}@h` is kept (a reference).
 */
export function redactString(value: string): string {
  let out = '';
  let at = 0;
  for (const { start, end } of findSecrets(value)) {
    out += `${value.slice(at, start)}${REDACTED}`;
    at = end;
  }
  return out + value.slice(at);
}

/**
 * What a value that holds a secret itself looks like (for a message that never repeats the
 * value), or undefined when it holds none: exactly the values {@link redactString} changes.
 */
export function secretValueKind(value: string): string | undefined {
  return findSecrets(value)[0]?.kind;
}

/**
 * True when the name a value is assigned to (an env var, a parameter, an object key) makes the
 * whole value a secret: the name says it holds a credential (`DB_PASS`), or it names a
 * credential keyword and the value is random-looking (`SECRET_KEY_BASE`). References never are.
 */
export function isSecretAssignment(name: string, value: string): boolean {
  if (value === '' || isReference(value) || PLACEHOLDERS.has(value)) return false;
  if (isSecretKeyName(name)) return true;
  const w = words(name);
  const last = w[w.length - 1];
  return last !== undefined && !REFERENCE_WORDS.has(last) && w.some((word) => CREDENTIAL_KEYWORDS.has(word)) && looksRandom(value);
}

/**
 * Why the value assigned to `name` holds a secret (for a message that never repeats the
 * value), or undefined: the value itself holds one, or {@link isSecretAssignment}.
 */
export function secretAssignmentKind(name: string, value: string): string | undefined {
  const byValue = secretValueKind(value);
  if (byValue !== undefined) return byValue;
  if (!isSecretAssignment(name, value)) return undefined;
  return isSecretKeyName(name) ? 'a value whose name says it holds a credential' : 'a random-looking value under a credential name';
}
