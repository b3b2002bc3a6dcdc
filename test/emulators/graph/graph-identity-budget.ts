/** Graph's identity-service budget of one application+tenant pair, as the emulator enforces it. */
export interface GraphIdentityBudgetOptions {
  /** Resource units the bucket holds, refilled over `windowMs` (Graph: 3 500 / 5 000 / 8 000 per 10 s by size). */
  readonly resourceUnits: number;
  readonly windowMs: number;
}

/** What one request is answered with. */
export interface GraphBudgetVerdict {
  readonly throttled: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

// https://learn.microsoft.com/graph/throttling-limits, "Identity and access service limits": base costs of GETs.
const BASE_COSTS: readonly (readonly [RegExp, number])[] = [
  [/^\/users$/i, 2],
  [/^\/applications$/i, 2],
  [/^\/groups\/[^/]+\/members(\/[^/]+)?$/i, 3],
  [/^\/groups\/[^/]+\/transitiveMembers(\/[^/]+)?$/i, 5],
  [/^\/servicePrincipals\/[^/]+\/appRoleAssignments$/i, 2],
];

/** The documented cost of a GET of `path` (after `/v1.0`) with `query`: never below 1. */
export function identityRequestCost(path: string, query: URLSearchParams): number {
  let cost = BASE_COSTS.find(([pattern]) => pattern.test(path))?.[1] ?? 1;
  if (query.has('$select')) cost -= 1;
  if (query.has('$expand')) cost += 1;
  const top = Number(query.get('$top') ?? Number.NaN);
  if (Number.isFinite(top) && top < 20) cost -= 1;
  return Math.max(1, cost);
}

/**
 * Token buckets per application+tenant pair, as Graph's identity service documents them: each request adds its
 * cost; a request that would go past the budget is answered 429 with `Retry-After` (whole seconds until its cost is
 * refilled), `x-ms-throttle-scope` and `x-ms-throttle-information`, and still counts ("Microsoft Graph continues to
 * log resource usage while a client is being throttled"), up to 1.8 times the budget. Every answer carries
 * `x-ms-resource-unit` (its cost), and `x-ms-throttle-limit-percentage` once more than 0.8 of the budget is used.
 */
export class GraphIdentityBudget {
  readonly #buckets = new Map<string, { used: number; at: number }>();

  constructor(
    private readonly options: GraphIdentityBudgetOptions,
    private readonly now: () => number,
  ) {}

  charge(tenantId: string, appId: string, path: string, query: URLSearchParams): GraphBudgetVerdict {
    const { resourceUnits: capacity, windowMs } = this.options;
    const cost = identityRequestCost(path, query);
    const key = `${appId}/${tenantId}`;
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { used: 0, at: now };
    const used = Math.max(0, bucket.used - ((now - bucket.at) * capacity) / windowMs);
    const throttled = used + cost > capacity;
    const after = Math.min(used + cost, capacity * 1.8);
    this.#buckets.set(key, { used: after, at: now });
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost) };
    if (after > capacity * 0.8) headers['x-ms-throttle-limit-percentage'] = (after / capacity).toFixed(2);
    if (!throttled) return { throttled: false, headers };
    const retryAfterMs = ((after + cost - capacity) * windowMs) / capacity;
    return {
      throttled: true,
      headers: {
        ...headers,
        'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
        'x-ms-throttle-scope': `Tenant_Application/Read/${appId}/${tenantId}`,
        'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
      },
    };
  }
}
