/**
 * The few Tailscale API calls the policy writer needs, typed, over an injectable `fetch`.
 *
 * - `GET /api/v2/tailnet/{tailnet}/acl` with `Accept: application/hujson` returns the policy
 *   text as stored (comments included) and its `ETag`;
 * - `POST` of the same path with `If-Match: "<etag>"` replaces it only if it is still that
 *   version, else answers 412 Precondition Failed (optimistic concurrency; the official Go
 *   client sends the header the same way: tailscale/tailscale-client-go-v2 policyfile.go,
 *   `Set(ctx, acl, etag)`);
 * - tokens: `POST /api/v2/oauth/token` (OAuth client credentials) or
 *   `POST /api/v2/oauth/token-exchange` with `client_id` and `jwt` (workload identity
 *   federation: tailscale/tailscale-client-go-v2 identityfederation.go).
 */

export type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** An OAuth client: the provider's configuration holds it as the API takes it. */
export interface OAuthClientCredentials { readonly kind: 'oauth-client'; readonly clientId: string; readonly clientSecret: string }

export type ApiCredentials =
  | { readonly kind: 'federated'; readonly clientId: string; readonly idToken: string }
  | OAuthClientCredentials;

export interface LivePolicy {
  readonly hujson: string;
  readonly etag: string;
}

export const DEFAULT_API = 'https://api.tailscale.com';

/** The live policy changed between our read and our write (HTTP 412). */
export class PreconditionFailed extends Error {
  constructor() {
    super('The tailnet policy changed since it was read (412 Precondition Failed).');
    this.name = 'PreconditionFailed';
  }
}

export class TailscaleApiError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'TailscaleApiError';
  }
}

/** The policy API of one tailnet. */
export interface PolicyApi {
  getPolicy(): Promise<LivePolicy>;
  /** Replaces the policy if it is still at `etag`; throws PreconditionFailed otherwise. */
  setPolicy(hujson: string, etag: string): Promise<void>;
}

export class TailscaleApi implements PolicyApi {
  private token: Promise<string> | undefined;

  constructor(private readonly options: { tailnet: string; credentials: ApiCredentials; fetch: Fetch; baseUrl?: string }) {}

  private get base(): string {
    return this.options.baseUrl ?? DEFAULT_API;
  }

  private url(): string {
    return `${this.base}/api/v2/tailnet/${encodeURIComponent(this.options.tailnet)}/acl`;
  }

  /** An API access token, fetched once per client (they live an hour; a write takes seconds). */
  private accessToken(): Promise<string> {
    this.token ??= (async () => {
      const c = this.options.credentials;
      const [path, form] = c.kind === 'federated'
        ? ['/api/v2/oauth/token-exchange', { client_id: c.clientId, jwt: c.idToken }]
        : ['/api/v2/oauth/token', { client_id: c.clientId, client_secret: c.clientSecret, grant_type: 'client_credentials' }];
      const response = await this.options.fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      // The body of a failed exchange may echo what was sent: never print it.
      if (response.status !== 200) {
        throw new TailscaleApiError(
          `Tailscale refused the ${c.kind === 'federated' ? 'token exchange of the federated identity' : 'OAuth client credentials'} ${JSON.stringify(c.clientId)} (HTTP ${response.status}). ` +
          (c.kind === 'federated'
            ? 'Fix: check the federated identity\'s issuer, subject and audience in the admin console (Settings → Trust credentials) against the workflow\'s OIDC token.'
            : 'Fix: check the stack secret tailscaleOauthClientSecret and the client\'s scopes (policy_file, auth_keys).'),
        );
      }
      const token = (JSON.parse(await response.text()) as { access_token?: unknown }).access_token;
      if (typeof token !== 'string' || token === '') throw new TailscaleApiError(`Tailscale answered the token request of ${JSON.stringify(c.clientId)} without an access_token.`);
      return token;
    })();
    return this.token;
  }

  async getPolicy(): Promise<LivePolicy> {
    const response = await this.options.fetch(this.url(), { method: 'GET', headers: { Authorization: `Bearer ${await this.accessToken()}`, Accept: 'application/hujson' } });
    if (response.status !== 200) throw new TailscaleApiError(`Reading the policy of tailnet ${JSON.stringify(this.options.tailnet)} failed (HTTP ${response.status}): ${await response.text()}`);
    const etag = response.headers.get('ETag');
    if (etag === null || etag === '') throw new TailscaleApiError(`Tailscale returned the policy of tailnet ${JSON.stringify(this.options.tailnet)} without an ETag; a write could not be made safe against concurrent writers, so none is made.`);
    return { hujson: await response.text(), etag };
  }

  async setPolicy(hujson: string, etag: string): Promise<void> {
    const response = await this.options.fetch(this.url(), {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await this.accessToken()}`,
        'Content-Type': 'application/hujson',
        'If-Match': `"${etag.replace(/^"|"$/g, '')}"`,
      },
      body: hujson,
    });
    if (response.status === 412) throw new PreconditionFailed();
    if (response.status !== 200) throw new TailscaleApiError(`Writing the policy of tailnet ${JSON.stringify(this.options.tailnet)} failed (HTTP ${response.status}): ${await response.text()}`);
  }
}

/** What a read-modify-write did. */
export interface WriteOutcome<P> {
  readonly plan: P;
  /** How many times the write was recomputed because another writer came first. */
  readonly retries: number;
  readonly wrote: boolean;
}

/**
 * Read, plan, write with `If-Match`; on 412 read again and plan again from the newer live
 * document (never resend a stale one); then read back and confirm with `verify`. At most
 * `attempts` writes.
 */
export async function readModifyWrite<P extends { readonly hujson: string; readonly changed: boolean }>(
  api: PolicyApi, plan: (live: string) => P, verify: (written: P, after: string) => void, attempts = 5,
): Promise<WriteOutcome<P>> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const live = await api.getPolicy();
    const planned = plan(live.hujson);
    if (!planned.changed) return { plan: planned, retries: attempt, wrote: false };
    try {
      await api.setPolicy(planned.hujson, live.etag);
    } catch (error) {
      if (error instanceof PreconditionFailed) continue;
      throw error;
    }
    verify(planned, (await api.getPolicy()).hujson);
    return { plan: planned, retries: attempt, wrote: true };
  }
  throw new TailscaleApiError(`The tailnet policy changed under every one of ${attempts} attempts to write it (another writer keeps writing). Nothing of this stack's was lost; run \`pulumi up\` again.`);
}
