import type { JsonValue } from './scim-json.js';

export type ScimHttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a fault rule sees of a request. `path` is under the base URL: `/Users`, `/Groups/<id>`. */
export interface ScimRequestInfo {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: JsonValue | undefined;
}

/** A failure the server answers instead of (or after) handling matching requests. */
export interface ScimFault {
  readonly method?: ScimHttpMethod;
  /** `'/Users'` matches that path exactly; a RegExp is tested against the path (e.g. `/^\/Groups\//`). */
  readonly path?: string | RegExp;
  readonly when?: (request: ScimRequestInfo) => boolean;
  /**
   * The status to answer (429, 500, 503…), `'reset'` to drop the connection without an answer, or `'hang'` to
   * never answer (the connection stays open until the client gives up or the server stops).
   */
  readonly status: number | 'reset' | 'hang';
  /** Sent as `Location` (with a 3xx status: a redirect, e.g. to another origin the test controls). */
  readonly location?: string;
  /** Sent as `Retry-After: <seconds>`. */
  readonly retryAfterSeconds?: number;
  /** A raw `Retry-After` value (an HTTP date, say); wins over `retryAfterSeconds`. */
  readonly retryAfter?: string;
  /** How many matching requests fail; default 1. `Infinity` keeps failing until `clearFaults()`. */
  readonly times?: number;
  /** Handle the request, then answer the fault: the write lands but the client never hears of it. */
  readonly afterApply?: boolean;
  readonly detail?: string;
}

interface ArmedFault {
  readonly fault: ScimFault;
  remaining: number;
}

/** The armed faults, first armed first served. */
export class ScimFaultInjector {
  readonly #armed: ArmedFault[] = [];

  arm(fault: ScimFault): void {
    const times = fault.times ?? 1;
    if (!(times > 0)) throw new RangeError(`A fault needs times > 0, got ${times}`);
    this.#armed.push({ fault, remaining: times });
  }

  /** The fault for this request, if any, counting it as used. */
  take(request: ScimRequestInfo): ScimFault | undefined {
    const index = this.#armed.findIndex(({ fault }) => matches(fault, request));
    const armed = this.#armed[index];
    if (armed === undefined) return undefined;
    armed.remaining--;
    if (armed.remaining <= 0) this.#armed.splice(index, 1);
    return armed.fault;
  }

  /** How many more requests the armed faults will fail (Infinity when one never runs out). */
  pending(): number {
    return this.#armed.reduce((sum, armed) => sum + armed.remaining, 0);
  }

  clear(): void {
    this.#armed.length = 0;
  }
}

function matches(fault: ScimFault, request: ScimRequestInfo): boolean {
  if (fault.method !== undefined && fault.method !== request.method) return false;
  if (typeof fault.path === 'string' && fault.path !== request.path) return false;
  if (fault.path instanceof RegExp && !fault.path.test(request.path)) return false;
  return fault.when === undefined || fault.when(request);
}
