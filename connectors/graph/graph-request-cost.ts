/**
 * Base costs in resource units of the identity reads dirsync sends, from Microsoft's "Identity and access service
 * limits" (https://learn.microsoft.com/graph/throttling-limits); any other identity read costs 1. `{id}` is one
 * path segment.
 */
const BASE_COSTS: readonly (readonly [RegExp, number])[] = [
  [/^users$/i, 2],
  [/^groups\/[^/]+\/members(\/[^/]+)?$/i, 3],
  [/^groups\/[^/]+\/transitiveMembers(\/[^/]+)?$/i, 5],
  [/^servicePrincipals\/[^/]+\/appRoleAssignments$/i, 2],
  [/^applications$/i, 2],
];

/**
 * What Graph's identity service charges a GET of `url` (absolute, with the API version as its first segment): the
 * path's base cost, 1 less with `$select`, 1 more with `$expand`, 1 less with a `$top` under 20, never below 1.
 * A next or delta link carries its query in an opaque token: it is charged as its path alone.
 */
export function graphRequestCost(url: string): number {
  const parsed = new URL(url);
  const path = decodeURIComponent(parsed.pathname).split('/').filter(Boolean).slice(1).join('/');
  let cost = BASE_COSTS.find(([pattern]) => pattern.test(path))?.[1] ?? 1;
  const query = parsed.searchParams;
  if (query.has('$select')) cost -= 1;
  if (query.has('$expand')) cost += 1;
  const top = Number(query.get('$top') ?? Number.NaN);
  if (Number.isFinite(top) && top < 20) cost -= 1;
  return Math.max(1, cost);
}
