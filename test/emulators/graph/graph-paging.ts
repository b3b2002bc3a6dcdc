/** The page size a request asks for, and what to echo in `Preference-Applied`. */
export interface GraphPageSize {
  readonly size: number;
  /** `odata.maxpagesize=N` when the request's `Prefer` header asked for it and it was honoured. */
  readonly preferenceApplied: string | undefined;
}

/** Graph caps `$top` and `odata.maxpagesize` for directory objects at 999. */
export const MAX_PAGE_SIZE = 999;

/**
 * Reads `Prefer: odata.maxpagesize=N` (delta queries honour it and answer `Preference-Applied`, see
 * https://learn.microsoft.com/graph/delta-query-overview#use-delta-query-to-track-changes-in-a-resource-collection)
 * and `$top` (list queries). Out-of-range values fall back to the default, as an ignored preference.
 */
export function pageSizeOf(prefer: string | undefined, top: string | null, defaultSize: number): GraphPageSize {
  if (top !== null) {
    const n = Number(top);
    if (Number.isInteger(n) && n >= 1) return { size: Math.min(n, MAX_PAGE_SIZE), preferenceApplied: undefined };
  }
  const match = /(?:^|[,;\s])odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer ?? '');
  const n = match === null ? NaN : Number(match[1]);
  if (Number.isInteger(n) && n >= 1 && n <= MAX_PAGE_SIZE) {
    return { size: n, preferenceApplied: `odata.maxpagesize=${n}` };
  }
  return { size: defaultSize, preferenceApplied: undefined };
}

/** Encodes the offset of a plain (non-delta) list page as the `$skiptoken` of its `@odata.nextLink`. */
export function encodeListSkipToken(offset: number, select: readonly string[] | null, size: number): string {
  return Buffer.from(JSON.stringify({ offset, select, size }), 'utf8').toString('base64url');
}

export function decodeListSkipToken(
  token: string,
): { offset: number; select: string[] | null; size: number } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { offset, select, size } = value as Record<string, unknown>;
    if (typeof offset !== 'number' || typeof size !== 'number') return undefined;
    if (select !== null && !(Array.isArray(select) && select.every((s) => typeof s === 'string'))) return undefined;
    return { offset, select, size };
  } catch {
    return undefined;
  }
}
