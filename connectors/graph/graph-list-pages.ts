import { ConnectorError } from '../connector-error.js';
import type { GraphHttp } from './graph-http.js';
import { checkedGraphLink } from './graph-link.js';
import { graphListPageSchema } from './graph-wire.js';

export interface GraphListPagesOptions {
  /** What is read, for messages: `servicePrincipals/{id}/appRoleAssignedTo`. */
  readonly what: string;
  /** GRAPH_BASE_URL: links are resolved against it, and only its origin is followed. */
  readonly graphBaseUrl: string;
  readonly signal?: AbortSignal;
}

/**
 * A plain Graph list (not a delta round): yields the `value` of each page, following `@odata.nextLink` until a page
 * has none. A next link seen before (a server loop) or on another origin than GRAPH_BASE_URL's fails the list before
 * the page is yielded. Errors of `http` pass through unchanged, for the caller to recognise a 404 or a 403.
 */
export async function* graphListPages(
  http: GraphHttp,
  firstUrl: string,
  options: GraphListPagesOptions,
): AsyncGenerator<readonly unknown[], void, undefined> {
  const seen = new Set<string>();
  let url = firstUrl;
  for (;;) {
    options.signal?.throwIfAborted();
    seen.add(url);
    const parsed = graphListPageSchema.safeParse(await http.get(url));
    if (!parsed.success) {
      throw new ConnectorError('bad_response', `Microsoft Graph ${options.what} answered a page that is not a list`, {
        cause: parsed.error,
      });
    }
    const next = parsed.data['@odata.nextLink'];
    if (next !== undefined) checkedGraphLink(next, '@odata.nextLink', options.what, options.graphBaseUrl);
    yield parsed.data.value;
    if (next === undefined) return;
    if (seen.has(next)) {
      throw new ConnectorError(
        'bad_response',
        `Microsoft Graph ${options.what} repeated an @odata.nextLink: paging would never end`,
      );
    }
    url = next;
  }
}
