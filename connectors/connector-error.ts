/**
 * Why reading the directory failed. Any of them fails the run before planning: a half-read directory never
 * deactivates anyone and no cursor moves.
 * - `auth`: credentials rejected or a permission missing: the operator must fix configuration (exit 2).
 * - `config`: a variable is missing or malformed, or the org URL is wrong (exit 2).
 * - `rate_limited` / `unavailable`: throttling or outages outlasted the retries (retry later).
 * - `bad_response`: the IdP answered something we cannot parse.
 * - `cursor_expired`: the stored cursor is no longer accepted; the next read must be full.
 */
export type ConnectorErrorKind = 'auth' | 'config' | 'rate_limited' | 'unavailable' | 'bad_response' | 'cursor_expired';

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly kind: ConnectorErrorKind,
    message: string,
    options: { readonly retryAfterMs?: number; readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}
