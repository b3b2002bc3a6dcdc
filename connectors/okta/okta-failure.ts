import { z } from 'zod';
import { ConnectorError } from '../connector-error.js';
import type { OktaCredentials } from './okta-config.js';
import type { HeaderReader } from './okta-rate-gate.js';
import { redirectLocation } from '../../src/core/redirect-location.js';
import type { OktaTokenRefusal } from './okta-token-refusal.js';

/** What the classifier needs to name the variable to fix. Never holds a secret. */
export interface OktaFailureContext {
  readonly orgUrl: string;
  readonly credentials: OktaCredentials;
  readonly appId?: string | undefined;
  /** `GET /api/v1/users`: the request, without its query. */
  readonly request: string;
  /** What a 404 means here: the org URL is wrong, `OKTA_APP_ID` is wrong, or the object vanished (skip it). */
  readonly notFound: 'org' | 'app' | 'skip';
  /** The last refused token request, if any (the SDK hides it behind a 401 of the API). */
  readonly tokenRefusal?: OktaTokenRefusal | undefined;
}

export type OktaFailure =
  | {
      readonly kind: 'transient';
      readonly summary: string;
      readonly status: number | undefined;
      readonly cause: unknown;
    }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'fatal'; readonly error: ConnectorError };

const headerReader = z.custom<HeaderReader>(
  (value) => typeof value === 'object' && value !== null && 'get' in value && typeof value.get === 'function',
);

// OktaApiError (JSON body) and HttpError (other bodies) of the SDK; the token endpoint's errors have no errorCode.
const httpFailureSchema = z.object({
  status: z.number(),
  errorCode: z.string().optional().catch(undefined),
  errorSummary: z.string().optional().catch(undefined),
  errorId: z.string().optional().catch(undefined),
  url: z.string().optional().catch(undefined),
  headers: headerReader.optional().catch(undefined),
});

// node-fetch's FetchError of type `system` carries the socket's error code.
const systemFailureSchema = z.object({ code: z.string(), message: z.string() });
// node-fetch's FetchError of type `request-timeout` / `body-timeout`: the page was slower than the request
// timeout of the SDK's executor. Worth another try, like a reset connection.
const timeoutFailureSchema = z.object({ type: z.enum(['request-timeout', 'body-timeout']) });

const UNREACHABLE = new Set(['ENOTFOUND', 'ECONNREFUSED', 'EHOSTUNREACH']);
const TLS = /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/;

/** Sorts a failed request into retry-worthy, skip-worthy and fatal, with a message naming what to fix. */
export function classifyOktaFailure(error: unknown, context: OktaFailureContext): OktaFailure {
  if (error instanceof ConnectorError) return { kind: 'fatal', error };
  const http = httpFailureSchema.safeParse(error);
  if (http.success) return classifyHttp(http.data, error, context);
  if (timeoutFailureSchema.safeParse(error).success) {
    return { kind: 'transient', summary: 'no answer within the request timeout', status: undefined, cause: error };
  }
  const system = systemFailureSchema.safeParse(error);
  const org = context.orgUrl;
  if (system.success) {
    const { code } = system.data;
    if (UNREACHABLE.has(code)) {
      return fatal('config', `OKTA_CLIENT_ORGURL ${org} cannot be reached (${code}): check the org URL`, error);
    }
    if (TLS.test(code)) {
      return fatal(
        'config',
        `the TLS certificate of ${org} is not trusted (${code}): check OKTA_CLIENT_ORGURL, or give its CA in NODE_EXTRA_CA_CERTS`,
        error,
      );
    }
    return { kind: 'transient', summary: `connection failed (${code})`, status: undefined, cause: error };
  }
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (/private key|key type|jwk|pem/i.test(message)) {
    return fatal('config', `OKTA_CLIENT_PRIVATEKEY cannot sign the client assertion for ${org}`, error);
  }
  return fatal('bad_response', `Okta at ${org} failed ${context.request}: ${message}`, error);
}

function classifyHttp(
  failure: z.infer<typeof httpFailureSchema>,
  cause: unknown,
  context: OktaFailureContext,
): OktaFailure {
  const org = context.orgUrl;
  const { status } = failure;
  const code = [failure.errorCode, failure.errorSummary].filter((part) => part !== undefined && part !== '').join(' ');
  const detail = `${code === '' ? `HTTP ${status}` : code}${failure.errorId === undefined ? '' : ` (errorId ${failure.errorId})`}`;
  const credentials = context.credentials;
  const tokenEndpoint = failure.url?.endsWith('/oauth2/v1/token') ?? false;

  // Requests are sent with `redirect: 'manual'` (OktaNoRedirectExecutor): a redirect is refused, never followed. A
  // redirected token request reaches us only as the 401 of the API request the SDK then sent without a token.
  const tokenRedirect = credentials.mode === 'PrivateKey' && status === 401 ? context.tokenRefusal : undefined;
  if (status >= 300 && status < 400) {
    const where = redirectLocation(failure.headers?.get('location') ?? null, failure.url);
    return redirected(tokenEndpoint ? 'POST /oauth2/v1/token' : context.request, status, where, context, cause);
  }
  if (tokenRedirect?.location !== undefined) {
    return redirected('POST /oauth2/v1/token', tokenRedirect.status, tokenRedirect.location, context, cause);
  }
  if (status >= 500) {
    return { kind: 'transient', summary: `HTTP ${status}${code === '' ? '' : ` ${code}`}`, status, cause };
  }
  if (status === 429) {
    const retryAfterMs = retryAfter(failure.headers);
    return {
      kind: 'fatal',
      error: new ConnectorError(
        'rate_limited',
        `Okta at ${org} kept answering 429 to ${context.request} after the SDK's retries: ${detail}`,
        { cause, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      ),
    };
  }
  if (credentials.mode === 'PrivateKey' && (tokenEndpoint || status === 401)) {
    const refusal = tokenEndpoint ? { status, reason: undefined } : context.tokenRefusal;
    const reason = refusal?.reason === undefined ? `HTTP ${refusal?.status ?? status}` : refusal.reason;
    if (refusal?.status === 400) {
      return fatal(
        'auth',
        `${org} refused the scopes in OKTA_CLIENT_SCOPES (${credentials.scopes.join(' ')}) to the service app ` +
          `OKTA_CLIENT_CLIENTID=${credentials.clientId} (${reason}): grant them to the app in Okta, or remove the ones it does not need`,
        cause,
      );
    }
    return fatal(
      'auth',
      `${org} refused an access token to the service app OKTA_CLIENT_CLIENTID=${credentials.clientId} (${reason}): ` +
        'check OKTA_CLIENT_CLIENTID and that OKTA_CLIENT_PRIVATEKEY (and OKTA_CLIENT_KEYID) match a public key registered for the app',
      cause,
    );
  }
  if (status === 401) return fatal('auth', `OKTA_CLIENT_TOKEN is rejected by ${org}: ${detail}`, cause);
  if (status === 403) {
    const scope = /scope="([^"]+)"/.exec(failure.headers?.get('www-authenticate') ?? '')?.[1];
    if (credentials.mode === 'PrivateKey') {
      const needed = scope ?? 'the read scope of this API';
      return fatal(
        'auth',
        `${org} refused ${context.request}: the access token lacks ${needed}: grant ${needed} to the service app ` +
          `OKTA_CLIENT_CLIENTID=${credentials.clientId} and add it to OKTA_CLIENT_SCOPES: ${detail}`,
        cause,
      );
    }
    return fatal(
      'auth',
      `${org} refused ${context.request} to the admin who owns OKTA_CLIENT_TOKEN: use a token of an admin who may ` +
        `read users, groups, apps and the System Log (e.g. Read-only Administrator): ${detail}`,
      cause,
    );
  }
  if (status === 404) {
    if (context.notFound === 'skip') return { kind: 'not_found' };
    if (context.notFound === 'app') {
      return fatal(
        'config',
        `OKTA_APP_ID ${context.appId ?? ''} is not an app of ${org}: ${context.request} answered ${detail}`,
        cause,
      );
    }
    return fatal(
      'config',
      `OKTA_CLIENT_ORGURL ${org} does not look like an Okta org: ${context.request} answered ${detail}`,
      cause,
    );
  }
  return fatal('bad_response', `Okta at ${org} refused ${context.request}: ${detail}`, cause);
}

function redirected(
  request: string,
  status: number,
  location: string,
  context: OktaFailureContext,
  cause: unknown,
): OktaFailure {
  return fatal(
    'config',
    `${context.orgUrl} answered ${request} with a redirect (HTTP ${status}) to ${location}, and dirsync follows no ` +
      "redirects so that the Okta credentials go only to the org: set OKTA_CLIENT_ORGURL to the org's own URL " +
      '(https://<your-org>.okta.com, or its custom domain)',
    cause,
  );
}

function retryAfter(headers: HeaderReader | undefined): number | undefined {
  const reset = Number(headers?.get('x-rate-limit-reset') ?? Number.NaN);
  const date = Date.parse(headers?.get('date') ?? '');
  if (!Number.isFinite(reset) || Number.isNaN(date)) return undefined;
  return Math.max(0, reset * 1000 - date) + 1000;
}

function fatal(kind: ConnectorError['kind'], message: string, cause: unknown): OktaFailure {
  return { kind: 'fatal', error: new ConnectorError(kind, message, { cause }) };
}
