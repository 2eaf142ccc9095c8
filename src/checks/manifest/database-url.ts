/**
 * The database URL an ExternalSecret composes for a key, rendered like ESO would (engine v2)
 * and parsed. Rendering with a password full of URL delimiters proves the template escapes it:
 * generated passwords contain `@ : / ?`, and an unescaped one moves the host.
 */
import { renderTemplate } from '../../eso/template';
import { ESCAPED_PASSWORD_EXPRESSION } from '../../k8s/database-url';
import type { ExternalSecretView } from './external-secret';

/** Stand-in secret values: plain, and one with every character that breaks an unescaped URL. */
const PLAIN_VALUE = 'sample';
export const HOSTILE_VALUE = 'p@ss:w/rd?#[] %+&=';

export interface DatabaseUrl {
  readonly host: string;
  /** Undefined when the URL names no port. */
  readonly port: number | undefined;
}

export type DatabaseUrlResult =
  | { readonly kind: 'parsed'; readonly url: DatabaseUrl }
  /** The key's value comes straight from the store: its host is not in the manifest. */
  | { readonly kind: 'not-templated' }
  /** The template does not render (admission.template-keys says why). */
  | { readonly kind: 'unrenderable'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly problem: string; readonly fix: string };

function render(producer: ExternalSecretView, key: string, value: string): string {
  const data = Object.fromEntries(producer.dataKeys.map((k) => [k, value]));
  return renderTemplate(`${producer.object.metadata.name}/${key}`, producer.template![key]!, data);
}

function parse(rendered: string): URL | undefined {
  try {
    return new URL(rendered);
  } catch {
    return undefined;
  }
}

export function databaseUrlOf(producer: ExternalSecretView, key: string): DatabaseUrlResult {
  if (producer.template?.[key] === undefined) return { kind: 'not-templated' };
  let plain: string;
  let hostile: string;
  try {
    plain = render(producer, key, PLAIN_VALUE);
    hostile = render(producer, key, HOSTILE_VALUE);
  } catch (error) {
    return { kind: 'unrenderable', reason: (error as Error).message };
  }
  const where = `ExternalSecret ${producer.object.metadata.name}, spec.target.template.data["${key}"]`;
  const url = parse(plain);
  if (url === undefined || !/^postgres(ql)?:$/.test(url.protocol) || url.hostname === '') {
    return { kind: 'invalid', problem: `${where} renders ${JSON.stringify(plain)}, which is not a postgres:// URL with a host.`, fix: 'Compose it as postgres://<role>:<password>@<host>:<port>/<database>.' };
  }
  const withHostile = parse(hostile);
  const fix = `Escape the password in the template: ${ESCAPED_PASSWORD_EXPRESSION}.`;
  if (withHostile === undefined || withHostile.hostname !== url.hostname || withHostile.port !== url.port) {
    const becomes = withHostile === undefined ? 'no longer parses' : `dials ${withHostile.hostname}:${withHostile.port || '(no port)'}`;
    return { kind: 'invalid', problem: `${where}: with a password containing ${JSON.stringify(HOSTILE_VALUE)} the URL ${becomes}, not ${url.hostname}:${url.port || '(no port)'}: the password is not URL-escaped.`, fix };
  }
  const decoded = safeDecode(withHostile.password);
  if (decoded !== HOSTILE_VALUE) {
    return { kind: 'invalid', problem: `${where}: the password ${JSON.stringify(HOSTILE_VALUE)} reaches the client as ${JSON.stringify(decoded ?? withHostile.password)} (libpq percent-decodes the userinfo, and does not turn "+" into a space).`, fix };
  }
  return { kind: 'parsed', url: { host: url.hostname, port: url.port === '' ? undefined : Number(url.port) } };
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
