/** The database URLs the end-to-end test gives the VM, rendered from the synthesized template. */
import { renderTemplate } from '../../../src/eso';
import type { PathFacts } from './path-facts';

/**
 * The test password: every character a generated password may hold that a URI userinfo
 * cannot (`@ : / ? # %`), a space (Go's urlquery turns it into "+"), a "+" itself, an
 * escape-looking "%41" (must not be decoded twice) and a non-ASCII letter (UTF-8, SASLprep).
 */
export const E2E_PASSWORD = 'pa ss@w:rd/x?y#z%41+é';

/** The stage that turns urlquery's "+" back into a space for libpq; the negative test drops it. */
const REPLACE_STAGE = /\s*\|\s*replace\s+"\+"\s+"%20"/g;

export interface UrlParts {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly role: string;
}

export interface VmUrls {
  /** Exactly what ESO writes into the Secret key the VM's DATABASE_URL reads. */
  readonly pooled: string;
  /** The same template without the replace stage. */
  readonly withoutReplace: string;
  /** `pooled` with the authority swapped for PostgreSQL's own address: the direct path, for timing. */
  readonly direct: string;
  readonly parts: UrlParts;
}

export function vmUrls(facts: PathFacts, password: string, directAuthority: string): VmUrls {
  const { urlTemplate, passwordKey } = facts.secret;
  const name = facts.vm.databaseUrlKey;
  const data = { [passwordKey]: password };
  const pooled = renderTemplate(name, urlTemplate, data);

  const stripped = urlTemplate.replace(REPLACE_STAGE, '');
  if (stripped === urlTemplate) {
    throw new Error(`e2e fixture: template "${name}" has no '| replace "+" "%20"' stage (${JSON.stringify(urlTemplate)}); the negative case that drops it has nothing to drop. Update test/e2e/support/vm-urls.ts together with the template.`);
  }

  const url = new URL(pooled);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`e2e fixture: template "${name}" renders a ${url.protocol} URL; expected postgres://.`);
  }
  // The password is escaped, so the only "@" is the one ending the userinfo.
  const at = pooled.lastIndexOf('@');
  const direct = pooled.slice(0, at + 1) + directAuthority + pooled.slice(pooled.indexOf('/', at));
  return {
    pooled,
    withoutReplace: renderTemplate(name, stripped, data),
    direct,
    parts: {
      host: url.hostname,
      port: Number(url.port),
      database: decodeURIComponent(url.pathname.slice(1)),
      role: decodeURIComponent(url.username),
    },
  };
}
