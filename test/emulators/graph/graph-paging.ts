import { z } from 'zod';

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

/** Where a plain (non-delta) list stands: carried by the `$skiptoken` of its `@odata.nextLink`. */
export interface GraphListState {
  readonly offset: number;
  readonly select: readonly string[] | null;
  readonly size: number;
  /** The ids of `$filter=id in (…)` / `id eq …`, or null for an unfiltered list. */
  readonly ids: readonly string[] | null;
}

const listStateSchema = z.object({
  offset: z.number().int().nonnegative(),
  select: z.array(z.string()).nullable(),
  size: z.number().int().positive(),
  ids: z.array(z.string()).nullable(),
});

/** Encodes where a plain list stands as the `$skiptoken` of its `@odata.nextLink`. */
export function encodeListSkipToken(state: GraphListState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/** The list state a `$skiptoken` carries, or undefined when it is not one the emulator issued. */
export function decodeListSkipToken(token: string): GraphListState | undefined {
  try {
    const parsed = listStateSchema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
