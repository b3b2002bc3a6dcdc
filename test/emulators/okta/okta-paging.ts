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

/**
 * `pageByCursor` over a large collection without viewing all of it per page: `sorted` must be in cursor order; the
 * page starts after `after` (binary search) and only the items up to one past the page are turned into views and
 * tested. The same page and next cursor as `pageByCursor(all views that match, …)`, in O(log n + page) views.
 */
export function pageSortedByCursor<T, V>(
  sorted: readonly T[],
  cursorOf: (item: T) => string,
  after: string | undefined,
  limit: number,
  view: (item: T) => V,
  matches: (view: V) => boolean,
): OktaPage<V> {
  let low = 0;
  if (after !== undefined) {
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const item = sorted[middle];
      if (item !== undefined && cursorOf(item) <= after) low = middle + 1;
      else high = middle;
    }
  }
  const items: V[] = [];
  let last: T | undefined;
  for (let i = low; i < sorted.length; i++) {
    const item = sorted[i];
    if (item === undefined) continue;
    const itemView = view(item);
    if (!matches(itemView)) continue;
    // One match past the page: there is a next page, whose cursor is the page's last item.
    if (items.length === limit) return { items, nextAfter: last === undefined ? undefined : cursorOf(last) };
    items.push(itemView);
    last = item;
  }
  return { items, nextAfter: undefined };
}

/** The values in cursor order: as they are when already so (ids made in creation order), else sorted. */
export function inCursorOrder<T>(values: Iterable<T>, cursorOf: (item: T) => string): T[] {
  const items = [...values];
  for (let i = 1; i < items.length; i++) {
    const previous = items[i - 1];
    const item = items[i];
    if (previous !== undefined && item !== undefined && cursorOf(previous) > cursorOf(item)) {
      return items.sort((a, b) => (cursorOf(a) < cursorOf(b) ? -1 : 1));
    }
  }
  return items;
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
