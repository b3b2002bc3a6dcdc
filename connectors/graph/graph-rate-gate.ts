import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { MemoryRateBudget } from '../memory-rate-budget.js';
import type { RateBudget, RefillRate } from '../rate-budget.js';
import { graphRequestCost } from './graph-request-cost.js';

/** The slice of a fetch `Headers` the gate reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * The application+tenant budget of Graph's identity service for a small tenant (under 50 users): 3 500 resource
 * units per 10 s (https://learn.microsoft.com/graph/throttling-limits). The smallest of the three sizes, so a
 * budget that fits every tenant; M is 5 000 and L 8 000.
 */
export const GRAPH_IDENTITY_RATE: RefillRate = { capacity: 3_500, periodMs: 10_000 };

/** What a Graph answer said about the identity budget. */
export interface GraphThrottleSignals {
  /** `x-ms-throttle-limit-percentage`: the share of the budget used (0.8 to 1.8), sent only past 0.8. */
  readonly usedShare?: number;
  /** `Retry-After` of a 429, in ms. */
  readonly retryAfterMs?: number;
}

/** Reads `x-ms-throttle-limit-percentage` and, on a 429, `Retry-After` (seconds, or an HTTP date). */
export function graphThrottleSignals(status: number, headers: HeaderReader): GraphThrottleSignals {
  const signals: { usedShare?: number; retryAfterMs?: number } = {};
  const share = Number(headers.get('x-ms-throttle-limit-percentage') ?? Number.NaN);
  // Documented as a fraction (0.8 to 1.8) despite the name; a value in per cent is read as one too.
  if (Number.isFinite(share) && share > 0) signals.usedShare = share > 2 ? share / 100 : share;
  const retryAfter = headers.get('retry-after')?.trim();
  if (status === 429 && retryAfter !== undefined && retryAfter !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) signals.retryAfterMs = seconds * 1000;
    else {
      const at = Date.parse(retryAfter);
      const serverNow = Date.parse(headers.get('date') ?? '');
      if (!Number.isNaN(at))
        signals.retryAfterMs = Math.max(0, at - (Number.isNaN(serverNow) ? Date.now() : serverNow));
    }
  }
  return signals;
}

/** The budget key of an app reading a tenant: Graph counts per application+tenant pair. */
export function graphRateKey(tenantId: string, clientId: string): string {
  return `graph:${tenantId.toLowerCase()}:${clientId.toLowerCase()}:identity`;
}

export interface GraphRateGateOptions {
  readonly key: string;
  readonly budget?: RateBudget;
  readonly rate?: RefillRate;
}

/**
 * A client middleware that paces every attempt (retries and followed redirects included) on the identity budget of
 * the app and tenant: it takes the request's documented cost before sending it, lowers the budget to what an
 * answer's `x-ms-throttle-limit-percentage` says is left, and makes every request of the key hold for a 429's
 * `Retry-After`. With a `RedisRateBudget` the budget is shared by every worker reading the tenant with the app; by
 * default it is this process's alone.
 */
export class GraphRateGate implements Middleware {
  readonly #key: string;
  readonly #budget: RateBudget;
  readonly #rate: RefillRate;
  #next: Middleware | undefined;

  constructor(options: GraphRateGateOptions) {
    this.#key = options.key;
    this.#budget = options.budget ?? new MemoryRateBudget();
    this.#rate = options.rate ?? GRAPH_IDENTITY_RATE;
  }

  async execute(context: Context): Promise<void> {
    if (this.#next === undefined) throw new Error('graph rate gate middleware has no next middleware');
    // A URL string, or a fetch Request (whose type the lint's libraries do not know).
    const request: unknown = context.request;
    const url = typeof request === 'string' ? request : (request as { readonly url: string }).url;
    await this.#budget.takeRefill(this.#key, graphRequestCost(url), this.#rate);
    await this.#next.execute(context);
    const response = context.response;
    if (response === undefined) return;
    const signals = graphThrottleSignals(response.status, response.headers);
    if (signals.usedShare !== undefined) {
      await this.#budget.observeRefill(this.#key, (1 - signals.usedShare) * this.#rate.capacity, this.#rate);
    }
    if (signals.retryAfterMs !== undefined) await this.#budget.holdRefill(this.#key, signals.retryAfterMs, this.#rate);
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}
