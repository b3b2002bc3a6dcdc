/** Which requests a fault applies to; omitted fields match everything. */
export interface GraphRequestMatch {
  readonly service?: 'token' | 'graph';
  readonly method?: string;
  /** Matched against the path with its query, e.g. `/v1.0/users/delta?$select=id`. */
  readonly url?: string | RegExp;
}

/** Answer the next matching request(s) with a throttling or unavailability error. */
export interface GraphThrottleFault {
  readonly status: 429 | 503 | 504;
  /** Seconds in `Retry-After`; omitted = no header (clients back off exponentially). */
  readonly retryAfterSeconds?: number;
  readonly match?: GraphRequestMatch;
  /** How many requests it fails; default 1. */
  readonly times?: number;
}

/** Delay the next matching request(s) before answering them normally. */
export interface GraphSlowFault {
  readonly delayMs: number;
  readonly match?: GraphRequestMatch;
  readonly times?: number;
}

/** Answer the next matching request(s) with a redirect to `location` (another origin the test controls). */
export interface GraphRedirectFault {
  readonly status: 301 | 302 | 303 | 307 | 308;
  readonly location: string;
  readonly match?: GraphRequestMatch;
  readonly times?: number;
}

/** Answer the next matching Graph request(s) normally, with these links in place of the ones Graph would send. */
export interface GraphLinkForgery {
  readonly nextLink?: string;
  readonly deltaLink?: string;
  readonly match?: GraphRequestMatch;
  readonly times?: number;
}

export interface GraphRequestInfo {
  readonly service: 'token' | 'graph';
  readonly method: string;
  readonly url: string;
}

interface Armed<T> {
  readonly fault: T;
  left: number;
}

/** Holds armed faults; each matching request consumes one use of the first fault that matches it. */
export class GraphFaultInjector {
  readonly #throttles: Armed<GraphThrottleFault>[] = [];
  readonly #slows: Armed<GraphSlowFault>[] = [];
  readonly #redirects: Armed<GraphRedirectFault>[] = [];
  readonly #forgeries: Armed<GraphLinkForgery>[] = [];

  throttle(fault: GraphThrottleFault): void {
    this.#throttles.push({ fault, left: fault.times ?? 1 });
  }

  slow(fault: GraphSlowFault): void {
    this.#slows.push({ fault, left: fault.times ?? 1 });
  }

  redirect(fault: GraphRedirectFault): void {
    this.#redirects.push({ fault, left: fault.times ?? 1 });
  }

  forgeLinks(fault: GraphLinkForgery): void {
    this.#forgeries.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.#throttles.length = 0;
    this.#slows.length = 0;
    this.#redirects.length = 0;
    this.#forgeries.length = 0;
  }

  pending(): number {
    return [...this.#throttles, ...this.#slows, ...this.#redirects, ...this.#forgeries].reduce(
      (sum, armed) => sum + armed.left,
      0,
    );
  }

  takeRedirect(request: GraphRequestInfo): GraphRedirectFault | undefined {
    return take(this.#redirects, request);
  }

  takeLinkForgery(request: GraphRequestInfo): GraphLinkForgery | undefined {
    return take(this.#forgeries, request);
  }

  takeThrottle(request: GraphRequestInfo): GraphThrottleFault | undefined {
    return take(this.#throttles, request);
  }

  takeDelayMs(request: GraphRequestInfo): number {
    return take(this.#slows, request)?.delayMs ?? 0;
  }
}

function take<T extends { readonly match?: GraphRequestMatch }>(
  list: Armed<T>[],
  request: GraphRequestInfo,
): T | undefined {
  const index = list.findIndex((armed) => matches(armed.fault.match ?? {}, request));
  const armed = list[index];
  if (armed === undefined) return undefined;
  armed.left -= 1;
  if (armed.left <= 0) list.splice(index, 1);
  return armed.fault;
}

export function matches(match: GraphRequestMatch, request: GraphRequestInfo): boolean {
  if (match.service !== undefined && match.service !== request.service) return false;
  if (match.method !== undefined && match.method.toUpperCase() !== request.method) return false;
  if (typeof match.url === 'string') return request.url === match.url;
  return match.url === undefined || match.url.test(request.url);
}
