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
