import { createRequire } from 'node:module';
import type { Client } from '@okta/okta-sdk-nodejs';
import type { RequestExecutor } from './okta-sdk-parts.js';

type SdkRequest = Parameters<RequestExecutor['fetch']>[0];
type SdkAnswer = ReturnType<RequestExecutor['fetch']>;
/** The slice of node-fetch's `Response` read here (node-fetch's own types are not installed). */
interface FetchAnswer {
  readonly status: number;
  readonly url: string;
  readonly headers: unknown;
  text(): Promise<string>;
}
type ErrorClass = new (url: string, status: number, body: unknown, headers: unknown) => Error;

const require = createRequire(import.meta.url);

/**
 * The SDK's `Http.http` for an API token (SSWS), without the module that holds it: `http.js` loads the SDK's JOSE
 * stack for OAuth and DPoP (node-jose, node-forge, njwt: ~125 ms of every start), which a token never uses. What
 * `http.js` does for a token is this: default headers under the request's own, `get` by default, an HTTPS proxy
 * agent from `https_proxy`, the request executor (the SDK's, with its 429 retries), and the SDK's error filter,
 * which turns an answer outside 2xx into the SDK's `OktaApiError` (a JSON body) or `HttpError` (any other). The
 * errors are the SDK's own classes, so failures are classified as with the SDK's `Http`. OAuth modes keep the
 * SDK's `Http` (see `createSdkClient`).
 */
export class OktaTokenHttp implements Pick<Client['http'], 'http'> {
  readonly defaultHeaders: Record<string, string> = {};
  readonly #agent: unknown;

  constructor(private readonly requestExecutor: RequestExecutor) {
    // The SDK's rule: the first of these that is set and not empty.
    const proxy = [process.env['https_proxy'], process.env['HTTPS_PROXY']].find(
      (value) => value !== undefined && value !== '',
    );
    if (proxy !== undefined) {
      // The SDK's own dependency, resolved from the SDK as its `Http` would.
      const fromSdk = createRequire(require.resolve('@okta/okta-sdk-nodejs/src/http.js'));
      const { HttpsProxyAgent } = fromSdk('https-proxy-agent') as { HttpsProxyAgent: new (proxy: string) => unknown };
      this.#agent = new HttpsProxyAgent(proxy);
    }
  }

  http(uri: string, request: SdkRequest = {}): SdkAnswer {
    // In place, as the SDK's `Http` does: its executor and retries work on this very object. (The SDK's type of a
    // request leaves out node-fetch's options.)
    const given = request as { headers?: Record<string, string>; method?: string };
    const sent = Object.assign(request, {
      url: uri,
      headers: { ...this.defaultHeaders, ...given.headers },
      method: given.method ?? 'get',
      ...(this.#agent === undefined ? {} : { agent: this.#agent }),
    });
    return this.requestExecutor.fetch(sent).then(errorFilter) as SdkAnswer;
  }
}

/** The SDK's `Http.errorFilter`: the answer itself when 2xx, else the SDK's error for it. */
async function errorFilter(answer: unknown): Promise<unknown> {
  const response = answer as FetchAnswer;
  if (response.status >= 200 && response.status < 300) return response;
  const body = await response.text();
  const { OktaApiError, HttpError } = sdkErrors();
  // Exactly the SDK's filter: a body that parses into an `OktaApiError` is one, anything else an `HttpError`.
  let error: Error;
  try {
    error = new OktaApiError(response.url, response.status, JSON.parse(body), response.headers);
  } catch {
    error = new HttpError(response.url, response.status, body, response.headers);
  }
  throw error;
}

function sdkErrors(): { OktaApiError: ErrorClass; HttpError: ErrorClass } {
  return {
    OktaApiError: require('@okta/okta-sdk-nodejs/src/api-error.js') as ErrorClass,
    HttpError: require('@okta/okta-sdk-nodejs/src/http-error.js') as ErrorClass,
  };
}
