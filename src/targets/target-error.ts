/**
 * Why a write to the app failed; the kind carries the decision the apply loop takes:
 * - `auth`: the token is rejected. Stop the run (exit 2): nothing else will succeed.
 * - `rejected`: the app refused this op (4xx other than 401/403/409/429). Fail the op, go on with the rest.
 * - `not_found`: the object is gone from the app (deleted outside dirsync). Fail the op, go on.
 * - `unavailable`: 5xx, 429 or connection errors outlasted the retries. Stop applying; the rest stays pending.
 * - `bad_response`: the app answered something we cannot parse. Fail the op, go on.
 * - `config`: the target is misconfigured (bad URL). Stop the run (exit 2).
 * - `unsupported`: the app cannot perform this op (e.g. an adoption needs a PATCH it does not offer). Record it
 *   as work for a person; not a failure, the run goes on.
 */
export type TargetErrorKind =
  'auth' | 'rejected' | 'not_found' | 'unavailable' | 'bad_response' | 'config' | 'unsupported';

export interface TargetErrorOptions {
  readonly status?: number;
  /** The server's SCIM `detail` (or equivalent), shown to the operator. */
  readonly detail?: string;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class TargetError extends Error {
  override readonly name = 'TargetError';
  readonly status: number | undefined;
  readonly detail: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly kind: TargetErrorKind,
    message: string,
    options: TargetErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.detail = options.detail;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Whether the whole run must stop rather than fail just this op. */
  get stopsRun(): boolean {
    return this.kind === 'auth' || this.kind === 'config' || this.kind === 'unavailable';
  }
}
