import { GraphClientError } from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { ConnectorError } from '../connector-error.js';
import { graphLink } from './graph-link.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** As the SDK's `RedirectHandler`. */
const MAX_REDIRECTS = 5;

/**
 * The Graph client's redirect middleware, restricted to GRAPH_BASE_URL's origin (scheme, host and port): a redirect
 * there is followed with the token, as by the SDK's `RedirectHandler`; a redirect anywhere else is not followed at
 * all (no request, so neither the token nor a page from elsewhere), and fails the request with a `config`
 * `ConnectorError` naming the `Location` without its query. The SDK's handler would follow it without the token
 * and take whatever came back as Graph's answer; and it re-sends a 303 to the same URL.
 *
 * The error travels through the client as the `customError` of a `GraphClientError` (the one error type the client
 * passes through unchanged): `refusedRedirect` takes it out again.
 */
export class GraphSameOriginRedirects implements Middleware {
  #next: Middleware | undefined;

  constructor(private readonly graphBaseUrl: string) {}

  async execute(context: Context): Promise<void> {
    const next = this.#next;
    if (next === undefined) throw new Error('graph redirect middleware has no next middleware');
    const origin = new URL(this.graphBaseUrl).origin;
    context.options = { ...context.options, redirect: 'manual' };
    for (let redirects = 0; ; redirects += 1) {
      await next.execute(context);
      const response = context.response;
      if (response === undefined || !REDIRECTS.has(response.status)) return;
      // The client always sends a URL string (a fetch `Request` would need cloning to follow): anything else is
      // refused like a redirect elsewhere.
      const requested: unknown = context.request;
      const from = typeof requested === 'string' ? requested : this.graphBaseUrl;
      const location = response.headers.get('location');
      const target = location === null ? undefined : graphLink(location, from);
      const refuse = (why: string): GraphClientError => {
        const to = location === null ? '(no Location header)' : (target?.shown ?? '(an unreadable Location header)');
        const error = new GraphClientError(`redirect refused: ${why}`);
        error.customError = new ConnectorError(
          'config',
          `Microsoft Graph answered GET ${graphLink(from, this.graphBaseUrl)?.shown ?? from} with a redirect ` +
            `(HTTP ${response.status}) to ${to}, ${why}, so that the Graph token goes nowhere else: set ` +
            'GRAPH_BASE_URL to the URL the API answers on without a redirect',
        );
        return error;
      };
      if (target === undefined || target.origin !== origin || typeof requested !== 'string') {
        throw refuse(`and dirsync follows no redirect to another origin than GRAPH_BASE_URL (${origin})`);
      }
      if (redirects >= MAX_REDIRECTS) {
        throw refuse(`the redirect after ${MAX_REDIRECTS} others, which dirsync does not follow`);
      }
      await response.body?.cancel();
      if (response.status === 303) context.options = { ...context.options, method: 'GET', body: null };
      context.request = target.href;
    }
  }

  setNext(middleware: Middleware): void {
    this.#next = middleware;
  }
}

/** The `ConnectorError` a refused redirect travels with through the client, if `error` is one. */
export function refusedRedirect(error: unknown): ConnectorError | undefined {
  if (!(error instanceof GraphClientError)) return undefined;
  const carried: unknown = error.customError;
  return carried instanceof ConnectorError ? carried : undefined;
}
