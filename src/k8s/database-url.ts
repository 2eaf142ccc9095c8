import { DATABASE_PASSWORD_KEY } from '../config/names';

/**
 * ESO (engine v2, Go text/template + sprig) expression that URL-escapes the password.
 * `urlquery` is Go's `url.QueryEscape`, which turns a space into "+"; libpq does not decode
 * "+" in the userinfo, so it is rewritten to "%20". A literal "+" was already escaped to
 * "%2B" by `urlquery`, so every "+" left came from a space.
 */
export const ESCAPED_PASSWORD_EXPRESSION = `{{ .${DATABASE_PASSWORD_KEY} | urlquery | replace "+" "%20" }}`;

export interface DatabaseUrlParts {
  readonly role: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/** The ESO template of a PostgreSQL URL whose password comes from the vault. */
export function databaseUrlTemplate(parts: DatabaseUrlParts): string {
  return `postgres://${parts.role}:${ESCAPED_PASSWORD_EXPRESSION}@${parts.host}:${parts.port}/${parts.database}`;
}
