/** One page of a cursor-paged list and the cursor of its next page, if any. */
export interface OktaPage<T> {
  items: T[];
  nextAfter: string | undefined;
}

/**
 * Cursor paging as Okta does it: `after` is the cursor of the last item of the previous page, `limit` caps the page
 * (clamped to the endpoint's maximum). Items must be sorted by cursor; a cursor of a vanished item still works.
 */
export function pageByCursor<T>(
  items: readonly T[],
  cursorOf: (item: T) => string,
  after: string | undefined,
  limit: number,
): OktaPage<T> {
  const rest = after === undefined ? items : items.filter((item) => cursorOf(item) > after);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextAfter: rest.length > limit && last !== undefined ? cursorOf(last) : undefined };
}

/** Parses `limit`; a missing or bad value gives the default, a large one the endpoint's maximum. */
export function pageLimit(raw: string | null, defaultLimit: number, maxLimit: number): number {
  const parsed = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  if (!Number.isFinite(parsed) || parsed < 1) return defaultLimit;
  return Math.min(parsed, maxLimit);
}

/**
 * The `Link` header values: `rel="self"` for this request and `rel="next"` with `after` replaced when there is more.
 * Okta sends them as two `Link` headers (https://developer.okta.com/docs/api/#pagination).
 */
export function linkHeaders(self: URL, nextAfter: string | undefined): string[] {
  const links = [`<${self.href}>; rel="self"`];
  if (nextAfter !== undefined) {
    const next = new URL(self.href);
    next.searchParams.set('after', nextAfter);
    links.push(`<${next.href}>; rel="next"`);
  }
  return links;
}
