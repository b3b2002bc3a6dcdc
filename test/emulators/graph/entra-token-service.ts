import { timingSafeEqual } from 'node:crypto';
import { verifyClientAssertion } from './client-assertion-verifier.js';
import { entraErrorBody, entraErrors } from './entra-error.js';
import type { EntraError } from './entra-error.js';
import type { GraphAccessTokenSigner } from './graph-access-token.js';
import type { JsonObject } from './graph-json.js';

/** An app registration with its credentials and the application permissions (app roles) an admin consented to. */
export interface EntraAppRegistration {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  /** PEM certificate whose private key signs the app's client assertions. */
  readonly certificatePem?: string;
  /** E.g. `User.Read.All`, `GroupMember.Read.All`; they end up in the token's `roles` claim. */
  readonly roles: readonly string[];
}

export interface EntraRequest {
  readonly method: string;
  /** Path under the authority host, e.g. `/<tenant>/oauth2/v2.0/token`. */
  readonly path: string;
  readonly body: string;
  readonly correlationId: string | undefined;
}

export interface EntraResponse {
  readonly status: number;
  readonly body: JsonObject;
}

export interface EntraTokenServiceOptions {
  readonly signer: GraphAccessTokenSigner;
  readonly authorityHost: () => string;
  readonly tokenLifetimeSeconds: number;
  readonly now: () => Date;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The slice of the Microsoft identity platform v2.0 endpoint that MSAL Node's confidential client uses with
 * `disableInstanceDiscovery: true` (no instance discovery): OpenID discovery at
 * `/{tenant}/v2.0/.well-known/openid-configuration`, then the client credentials grant at
 * `/{tenant}/oauth2/v2.0/token` (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
 */
export class EntraTokenService {
  readonly #options: EntraTokenServiceOptions;
  readonly #apps: EntraAppRegistration[] = [];

  constructor(options: EntraTokenServiceOptions) {
    this.#options = options;
  }

  registerApp(app: EntraAppRegistration): void {
    this.#apps.push(app);
  }

  handle(request: EntraRequest): EntraResponse | undefined {
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(request.path);
    if (discovery !== null && request.method === 'GET') return this.#discovery(discovery[1]!, request);
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(request.path);
    if (token !== null && request.method === 'POST') return this.#token(token[1]!, request);
    return undefined;
  }

  #tenantKnown(tenant: string): boolean {
    return this.#apps.some((app) => app.tenantId.toLowerCase() === tenant.toLowerCase());
  }

  #discovery(tenant: string, request: EntraRequest): EntraResponse {
    if (!this.#tenantKnown(tenant)) return this.#error(entraErrors.tenantNotFound(tenant), request);
    const base = `${this.#options.authorityHost()}/${tenant}`;
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
      },
    };
  }

  #token(tenant: string, request: EntraRequest): EntraResponse {
    if (!this.#tenantKnown(tenant)) return this.#error(entraErrors.tenantNotFound(tenant), request);
    const form = new URLSearchParams(request.body);
    const grant = form.get('grant_type') ?? '';
    if (grant !== 'client_credentials') return this.#error(entraErrors.unsupportedGrant(grant), request);
    const clientId = form.get('client_id') ?? '';
    const app = this.#apps.find(
      (candidate) => candidate.tenantId.toLowerCase() === tenant.toLowerCase() && candidate.clientId === clientId,
    );
    if (app === undefined) return this.#error(entraErrors.unknownApplication(clientId, tenant), request);
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (app.clientSecret === undefined || !sameText(secret, app.clientSecret)) {
        return this.#error(entraErrors.invalidSecret(clientId), request);
      }
    } else if (assertion !== null && form.get('client_assertion_type') === ASSERTION_TYPE) {
      if (app.certificatePem === undefined)
        return this.#error(entraErrors.badAssertion('No certificate is registered.'), request);
      const problem = verifyClientAssertion(assertion, {
        clientId,
        audience: `${this.#options.authorityHost()}/${tenant}/oauth2/v2.0/token`,
        certificatePem: app.certificatePem,
        now: this.#options.now(),
      });
      if (problem !== undefined) return this.#error(entraErrors.badAssertion(problem), request);
    } else {
      return this.#error(entraErrors.missingCredential(), request);
    }
    const scope = form.get('scope') ?? '';
    const resource = scope.split(' ').find((part) => part.endsWith('/.default'));
    if (resource === undefined) return this.#error(entraErrors.badScope(scope), request);
    const iat = Math.floor(this.#options.now().getTime() / 1000);
    const lifetime = this.#options.tokenLifetimeSeconds;
    const accessToken = this.#options.signer.issue({
      aud: resource.slice(0, -'/.default'.length),
      tid: app.tenantId,
      appid: clientId,
      roles: [...app.roles],
      iat,
      nbf: iat,
      exp: iat + lifetime,
    });
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
    };
  }

  #error(error: EntraError, request: EntraRequest): EntraResponse {
    return { status: error.status, body: entraErrorBody(error, request.correlationId, this.#options.now()) };
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
