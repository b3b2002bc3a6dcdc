import { ConnectorError } from '../connector-error.js';
import type { GraphHttp } from './graph-http.js';
import { graphDeltaPageSchema } from './graph-wire.js';

/**
 * One delta round of a resource: yields the `value` of each page as Graph sent it, following `@odata.nextLink`,
 * and returns the `@odata.deltaLink` of the last page. A next link seen before (a server loop) or a page with
 * neither link fails the round. Errors of `http` pass through unchanged, for the caller to recognise a 410.
 */
export async function* graphDeltaPages(
  http: GraphHttp,
  firstUrl: string,
  options: { readonly headers: Readonly<Record<string, string>>; readonly what: string; readonly signal?: AbortSignal },
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
