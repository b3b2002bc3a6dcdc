/**
 * Socket errors raised before a request could leave: no connection was made, so the app cannot have acted on it.
 * `UND_ERR_CONNECT_TIMEOUT` is undici's connect timeout, distinct from an answer that never came.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** How an attempt failed: an answer with a status, or none at all (the transport error's code). */
export type FailedAttempt = { readonly status: number } | { readonly code: string };

/**
 * Whether a failed attempt may have been carried out by the app although dirsync never heard so: a 5xx (the app
 * may have written before failing, or a proxy lost its answer), a timeout, or a connection dropped once the request
 * could have been sent. A 429 (refused before any work, RFC 6585 §4) and a connection that never opened are known
 * not to have landed. A create that fails this way is looked up before it is sent again (DESIGN, Safety).
 */
export function isUnknownOutcome(attempt: FailedAttempt): boolean {
  if ('status' in attempt) return attempt.status >= 500;
  return !NOT_SENT_CODES.has(attempt.code);
}

/** undici's timeouts for an answer that did not come (headers) or stopped coming (body). */
export function isAnswerTimeout(code: string): boolean {
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/**
 * The code of a transport failure: undici's `UND_ERR_*` or a socket errno (`ECONNRESET`…), on the error or its
 * cause. `undefined` for anything else, which is a defect and not retried.
 */
export function wireErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; depth < 3; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    if ('code' in current && typeof current.code === 'string' && /^(UND_ERR_|E[A-Z]+$)/.test(current.code)) {
      return current.code;
    }
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}
