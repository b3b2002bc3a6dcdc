import { redirectLocation } from '../core/redirect-location.js';
import { TargetError } from '../targets/target-error.js';
import { resolveScimTargetConfig } from '../targets/scim/scim-target-config.js';
import { scimErrorSchema, scimListResponseSchema, serviceProviderConfigSchema } from '../targets/scim/scim-schemas.js';
import { parseJson } from '../targets/scim/scim-http.js';
import { formatDuration } from './check-deadline.js';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

/** The slice of `fetch` the check uses. */
export type ScimCheckFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ScimCheckOptions {
  /** Per request; default 15 s. */
  readonly timeoutMs?: number;
  /** Default the global `fetch`. */
  readonly fetch?: ScimCheckFetch;
}

const SPC = 'scim ServiceProviderConfig';
const USERS = 'scim users';

type Answer =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown; readonly text: string }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'failure'; readonly detail: string };

/**
 * Two GETs, side by side, each with `Authorization: Bearer $APP_SCIM_TOKEN` and no redirect followed:
 * - `scim ServiceProviderConfig`: what the target adapts to (PATCH, filters, page size). RFC 7644 lets it be
 *   public, and many small apps lack it (404): the target then assumes the common defaults, so that passes.
 * - `scim users`: `GET /Users?count=1`, which needs the token: 401/403 says `APP_SCIM_TOKEN` was rejected.
 * A 3xx is a failure naming its `Location`: the target follows no redirects. The token never appears in a detail,
 * even when a server echoes it.
 */
export async function checkScim(
  target: { readonly url: string; readonly token: string },
  options: ScimCheckOptions = {},
): Promise<CheckResult[]> {
  let base: string;
  try {
    base = resolveScimTargetConfig({ baseUrl: target.url, token: target.token }).displayUrl;
  } catch (error) {
    if (!(error instanceof TargetError)) throw error;
    return [failed(SPC, error.message), failed(USERS, error.message)];
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  const fetcher = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // Only what the server or the socket said is searched: the rest is our own text, which holds no token.
  const redact = (text: string): string =>
    target.token.length < 3 ? text : text.split(target.token).join('[redacted]');

  const get = async (path: string): Promise<Answer> => {
    const url = `${base}/${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetcher(url, {
        method: 'GET',
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/scim+json, application/json;q=0.9',
          'user-agent': 'dirsync check',
        },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { kind: 'failure', detail: unreachable(error, `${base}/${path}`, timeoutMs, redact) };
    }
    if (response.status >= 300 && response.status < 400) {
      return {
        kind: 'redirect',
        status: response.status,
        location: redirectLocation(response.headers.get('location'), url),
      };
    }
    return { kind: 'answer', status: response.status, body: parseJson(text), text };
  };

  const common = (answer: Answer, path: string): string | undefined => {
    if (answer.kind === 'failure') return answer.detail;
    if (answer.kind === 'redirect') {
      return (
        `${base}/${path} redirects to ${answer.location} (HTTP ${answer.status}) and dirsync follows no redirects: ` +
        'set APP_SCIM_URL to the SCIM base URL the app answers on'
      );
    }
    if (answer.status === 401 || answer.status === 403) {
      const hint = answer.status === 403 ? 'give the token the right to manage users and groups' : 'issue a new token';
      return (
        `APP_SCIM_TOKEN was rejected by ${base} for GET /${path} (HTTP ${answer.status}: ` +
        `${redact(detailOf(answer.body, answer.text))}): ${hint} in the app and set APP_SCIM_TOKEN`
      );
    }
    if (answer.status >= 500) {
      return `${base} failed GET /${path} (HTTP ${answer.status}: ${redact(detailOf(answer.body, answer.text))}): try again later`;
    }
    return undefined;
  };

  const serviceProviderConfig = async (): Promise<CheckResult> => {
    const path = 'ServiceProviderConfig';
    const answer = await get(path);
    const problem = common(answer, path);
    if (problem !== undefined || answer.kind !== 'answer') return failed(SPC, problem ?? `${base}: no answer`);
    if (answer.status === 404 || answer.status === 501) {
      return passed(
        SPC,
        `${base} has no /ServiceProviderConfig (HTTP ${answer.status}): dirsync assumes PATCH and filters work, as on most apps`,
      );
    }
    const config = serviceProviderConfigSchema.safeParse(answer.body);
    if (answer.status !== 200 || answer.body === undefined || !config.success) {
      return failed(
        SPC,
        `${base} answered GET /${path} with HTTP ${answer.status} and no SCIM ServiceProviderConfig: check that APP_SCIM_URL is the SCIM base URL`,
      );
    }
    const patch = config.data.patch?.supported ?? true;
    const filter = config.data.filter?.supported ?? true;
    const max = config.data.filter?.maxResults;
    const bulk = config.data.bulk;
    const features = [
      `PATCH ${patch ? 'supported' : 'not supported'}`,
      `filter ${filter ? 'supported' : 'not supported'}${typeof max === 'number' ? ` (up to ${max} results)` : ''}`,
      // Said only where advertised: most apps have no /Bulk, and then nothing changes.
      ...(bulk?.supported === true
        ? [
            `/Bulk supported (up to ${String(bulk.maxOperations ?? '?')} operations, ${String(bulk.maxPayloadSize ?? '?')} bytes): user creates go in bulks unless target.dialect.bulk is false`,
          ]
        : []),
    ];
    return passed(SPC, `${base}/ServiceProviderConfig: ${features.join(', ')}`);
  };

  const users = async (): Promise<CheckResult> => {
    const path = 'Users?count=1';
    const answer = await get(path);
    const problem = common(answer, path);
    if (problem !== undefined || answer.kind !== 'answer') return failed(USERS, problem ?? `${base}: no answer`);
    const list = scimListResponseSchema.safeParse(answer.body);
    if (answer.status !== 200 || !list.success) {
      return failed(
        USERS,
        `${base} answered GET /${path} with HTTP ${answer.status} and no SCIM list (${redact(detailOf(answer.body, answer.text))}): check that APP_SCIM_URL is the SCIM base URL`,
      );
    }
    const total = list.data.totalResults;
    return passed(
      USERS,
      `${base}: APP_SCIM_TOKEN may list users (GET /${path}; the app holds ${total} user${total === 1 ? '' : 's'})`,
    );
  };

  return Promise.all([serviceProviderConfig(), users()]);
}

/** Why no answer came: the URL (which holds no credentials) and the socket's reason. */
function unreachable(error: unknown, url: string, timeoutMs: number, redact: (text: string) => string): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `${url} did not answer within ${formatDuration(timeoutMs)}: check APP_SCIM_URL and that the app is up`;
  }
  // fetch's TypeError carries the socket error (ECONNREFUSED, ENOTFOUND, a TLS failure) as its cause.
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const reason = redact(
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error),
  );
  if (/certificate|CERT_|self[- ]signed/i.test(reason)) {
    return `the TLS certificate of ${url} is not trusted (${reason}): check APP_SCIM_URL, or add its CA to NODE_EXTRA_CA_CERTS`;
  }
  return `cannot reach ${url} (${reason}): check APP_SCIM_URL and that the app is up`;
}

function detailOf(body: unknown, text: string): string {
  const error = scimErrorSchema.safeParse(body).data;
  const raw = error?.detail ?? error?.scimType ?? text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return raw === '' ? 'no detail given' : raw;
}
