import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { oktaErrorBody } from './okta-error-body.js';
import type { OktaClock } from './okta-records.js';

/** An OAuth 2.0 service app registered with a public key (Okta's "Public key / Private key" client auth). */
export interface OktaServiceApp {
  readonly clientId: string;
  /** PEM (SPKI) or a KeyObject of the client's public key. */
  readonly publicKey: string | KeyObject;
  /** The Okta API scopes granted to the app, e.g. `okta.users.read`. */
  readonly grantedScopes: readonly string[];
}

export interface OktaAuthReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const tokenLifetimeSeconds = 3600;

/**
 * API-token (SSWS) and OAuth 2.0 client-credentials auth of the management API.
 * Client credentials with private_key_jwt: https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/
 * The SDK (v8 oauth.js) sends a `DPoP` proof on every token request; like an app that does not require DPoP, the
 * emulator ignores it and issues a Bearer token.
 */
export class OktaAuth {
  private readonly apps = new Map<string, { app: OktaServiceApp; key: KeyObject }>();
  private readonly tokens = new Map<string, { scopes: string[]; expiresAt: number }>();
  private readonly seenJtis = new Set<string>();

  constructor(
    private readonly clock: OktaClock,
    private apiToken: string,
  ) {}

  setApiToken(token: string): void {
    this.apiToken = token;
  }

  registerServiceApp(app: OktaServiceApp): void {
    const key = typeof app.publicKey === 'string' ? createPublicKey(app.publicKey) : app.publicKey;
    this.apps.set(app.clientId, { app, key });
  }

  /** Forgets issued access tokens, as if they expired: the SDK then fetches a new one and retries once. */
  revokeAccessTokens(): void {
    this.tokens.clear();
  }

  /** `POST /oauth2/v1/token` with `grant_type=client_credentials` and a signed `client_assertion`. */
  issueToken(form: URLSearchParams, tokenUrl: string): OktaAuthReply {
    const oauthError = (status: number, error: string, description: string): OktaAuthReply => ({
      status,
      body: { error, error_description: description },
      headers: {},
    });
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported.');
    }
    if (form.get('client_assertion_type') !== assertionType) {
      return oauthError(401, 'invalid_client', 'client_assertion_type is missing or unsupported.');
    }
    const claims = this.verifyAssertion(form.get('client_assertion') ?? '', tokenUrl);
    if (typeof claims === 'string') return oauthError(401, 'invalid_client', claims);
    const registered = this.apps.get(claims.clientId);
    if (registered === undefined) return oauthError(401, 'invalid_client', 'The client is not registered.');
    const requested = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
    if (requested.length === 0) return oauthError(400, 'invalid_scope', 'The scope parameter is required.');
    const refused = requested.filter((scope) => !registered.app.grantedScopes.includes(scope));
    if (refused.length > 0) {
      return oauthError(400, 'invalid_scope', `The following scopes are not granted: ${refused.join(' ')}`);
    }
    const accessToken = randomBytes(32).toString('base64url');
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    this.tokens.set(accessToken, { scopes: requested, expiresAt: nowSeconds + tokenLifetimeSeconds });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        access_token: accessToken,
        expires_in: tokenLifetimeSeconds,
        scope: requested.join(' '),
      },
      headers: { 'cache-control': 'no-cache, no-store', pragma: 'no-cache' },
    };
  }

  /**
   * Checks `Authorization` for a request needing `requiredScope` (ignored for SSWS, which carries its admin's rights).
   * A Bearer token without the scope gets 403 with `www-authenticate: … error="insufficient_scope"`, as in
   * https://support.okta.com/help/s/article/insufficient-scope-error-when-making-a-request-to-an-oauth-or-management-endpoint
   */
  authorize(
    authorization: string | undefined,
    requiredScope: string,
    orgUrl: string,
    resource: string,
  ): OktaAuthReply | undefined {
    const invalid: OktaAuthReply = {
      status: 401,
      body: oktaErrorBody('E0000011', 'Invalid token provided'),
      headers: {},
    };
    const [scheme, credential] = (authorization ?? '').split(' ', 2);
    if (scheme === 'SSWS') return credential === this.apiToken ? undefined : invalid;
    if (scheme !== 'Bearer' || credential === undefined) return invalid;
    const token = this.tokens.get(credential);
    if (token === undefined || token.expiresAt <= Math.floor(this.clock.now().getTime() / 1000)) return invalid;
    const manageScope = requiredScope.replace(/\.read$/, '.manage');
    if (token.scopes.includes(requiredScope) || token.scopes.includes(manageScope)) return undefined;
    const reply: OktaAuthReply = {
      status: 403,
      body: oktaErrorBody('E0000006', 'You do not have permission to perform the requested action'),
      headers: {
        'www-authenticate':
          `Bearer authorization_uri="${orgUrl}/oauth2/v1/authorize", realm="${orgUrl}", scope="${requiredScope}", ` +
          `error="insufficient_scope", error_description="The access token provided does not contain the required ` +
          `scopes.", resource="${resource}"`,
      },
    };
    return reply;
  }

  /** The client id of a valid assertion, or why it is not valid. */
  private verifyAssertion(assertion: string, tokenUrl: string): { clientId: string } | string {
    const [encodedHeader, encodedPayload, encodedSignature] = assertion.split('.');
    if (encodedHeader === undefined || encodedPayload === undefined || encodedSignature === undefined) {
      return 'client_assertion is not a JWT.';
    }
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = decodeJson(encodedHeader);
      payload = decodeJson(encodedPayload);
    } catch {
      return 'client_assertion is not a JWT.';
    }
    const clientId = payload['iss'];
    if (typeof clientId !== 'string' || payload['sub'] !== clientId) return 'iss and sub must be the client id.';
    const registered = this.apps.get(clientId);
    if (registered === undefined) return 'The client is not registered.';
    const alg = header['alg'];
    if (alg !== 'RS256' && alg !== 'ES256') return `Unsupported JWT alg ${String(alg)}.`;
    const signed = verify(
      'sha256',
      Buffer.from(`${encodedHeader}.${encodedPayload}`),
      { key: registered.key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(encodedSignature, 'base64url'),
    );
    if (!signed) return 'The client_assertion signature is invalid.';
    if (payload['aud'] !== tokenUrl) return `The audience must be ${tokenUrl}.`;
    const exp = payload['exp'];
    if (typeof exp !== 'number' || exp <= Math.floor(this.clock.now().getTime() / 1000)) {
      return 'The client_assertion token is expired.';
    }
    const jti = payload['jti'];
    if (typeof jti === 'string') {
      if (this.seenJtis.has(jti)) return 'The client_assertion token has already been used.';
      this.seenJtis.add(jti);
    }
    return { clientId };
  }
}

function decodeJson(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}
