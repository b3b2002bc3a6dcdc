import { ConnectorError } from '../connector-error.js';
import type { GraphHttp } from './graph-http.js';
import { checkedGraphLink } from './graph-link.js';
import { graphDeltaPageSchema } from './graph-wire.js';

export interface GraphDeltaPagesOptions {
  readonly headers: Readonly<Record<string, string>>;
  /** What is read, for messages: `users/delta`. */
  readonly what: string;
  /** GRAPH_BASE_URL: links are resolved against it, and only its origin is followed. */
  readonly graphBaseUrl: string;
  readonly signal?: AbortSignal;
}

/**
 * One delta round of a resource: yields the `value` of each page as Graph sent it, following `@odata.nextLink`,
 * and returns the `@odata.deltaLink` of the last page. A next link seen before (a server loop), a page with
 * neither link, or a link to another origin than GRAPH_BASE_URL's (the token would follow it, and the next round
 * would start from it) fails the round before the page is yielded. Errors of `http` pass through unchanged, for
 * the caller to recognise a 410.
 */
export async function* graphDeltaPages(
  http: GraphHttp,
  firstUrl: string,
  options: GraphDeltaPagesOptions,
): AsyncGenerator<readonly unknown[], string, undefined> {
  const seen = new Set<string>();
  let url = firstUrl;
  for (;;) {
    options.signal?.throwIfAborted();
    seen.add(url);
    const parsed = graphDeltaPageSchema.safeParse(await http.get(url, options.headers));
    if (!parsed.success) {
      throw new ConnectorError(
        'bad_response',
        `Microsoft Graph ${options.what} answered a page that is not a delta page`,
        {
          cause: parsed.error,
        },
      );
    }
    const page = parsed.data;
    const next = page['@odata.nextLink'];
    const deltaLink = page['@odata.deltaLink'];
    if (next === undefined && deltaLink === undefined) {
      throw new ConnectorError(
        'bad_response',
        `Microsoft Graph ${options.what} answered a page with neither @odata.nextLink nor @odata.deltaLink`,
      );
    }
    checkOrigin(next, '@odata.nextLink', options);
    checkOrigin(deltaLink, '@odata.deltaLink', options);
    yield page.value;
    if (next === undefined) return deltaLink ?? '';
    if (seen.has(next)) {
      throw new ConnectorError(
        'bad_response',
        `Microsoft Graph ${options.what} repeated an @odata.nextLink: paging would never end`,
      );
    }
    url = next;
  }
}

function checkOrigin(link: string | undefined, name: string, options: GraphDeltaPagesOptions): void {
  if (link !== undefined) checkedGraphLink(link, name, options.what, options.graphBaseUrl);
}
