import { ConnectorError } from '../connector-error.js';

/** A URL the Graph client would request, as dirsync judges and shows it. */
export interface GraphLink {
  /** The absolute URL. */
  readonly href: string;
  /** Scheme, host and port: the token goes only to GRAPH_BASE_URL's. */
  readonly origin: string;
  /** Origin and path, for messages: never the query (skip and delta tokens) nor user info. */
  readonly shown: string;
}

/**
 * `link` resolved as a client resolves it against `base` (a path is relative to it); undefined when it is not a
 * URL. Used for `@odata.nextLink`/`@odata.deltaLink` (against GRAPH_BASE_URL) and redirects (against the request).
 */
export function graphLink(link: string, base: string): GraphLink | undefined {
  try {
    const url = new URL(link, base.endsWith('/') ? base : `${base}/`);
    return { href: url.href, origin: url.origin, shown: `${url.origin}${url.pathname}` };
  } catch {
    return undefined;
  }
}

/**
 * A paging link Graph answered (`@odata.nextLink`, `@odata.deltaLink`), refused unless it is on GRAPH_BASE_URL's
 * origin: the token would follow it (and a delta link is where the next round starts). `what` names the request for
 * the message, e.g. `users/delta`.
 */
export function checkedGraphLink(link: string, name: string, what: string, graphBaseUrl: string): GraphLink {
  const origin = new URL(graphBaseUrl).origin;
  const target = graphLink(link, graphBaseUrl);
  if (target === undefined) {
    throw new ConnectorError('bad_response', `Microsoft Graph ${what} answered a page with an unreadable ${name}`);
  }
  if (target.origin !== origin) {
    throw new ConnectorError(
      'bad_response',
      `Microsoft Graph ${what} answered a page whose ${name} points at ${target.shown}, another origin than ` +
        `GRAPH_BASE_URL (${origin}): dirsync sends the Graph token to no other origin, so the read stops and changes ` +
        'nothing; check that GRAPH_BASE_URL is the URL the API answers on',
    );
  }
  return target;
}
