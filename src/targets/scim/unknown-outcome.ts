import { isHTTPError, isTimeoutError } from 'ky';

/**
 * Socket errors raised before a request could leave: no connection was made, so the app cannot have acted on it.
 * `UND_ERR_CONNECT_TIMEOUT` is undici's (fetch's) connect timeout, distinct from a response that never came.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether a failed attempt may have been carried out by the app although dirsync never heard so: a 5xx (the app
 * may have written before failing, or a proxy lost its answer), a timeout, or a connection dropped once the request
 * could have been sent. A 429 (refused before any work, RFC 6585 §4) and a connection that never opened are known
 * not to have landed. A create that fails this way is looked up before it is sent again (DESIGN, Safety).
 */
export function isUnknownOutcome(error: Error): boolean {
  if (isHTTPError(error)) return error.response.status >= 500;
  if (isTimeoutError(error)) return true;
  // fetch reports socket failures as a TypeError whose cause carries the code.
  return !NOT_SENT_CODES.has(causeCode(error) ?? '');
}

function causeCode(error: Error): string | undefined {
  const cause: unknown = error.cause;
  if (typeof cause !== 'object' || cause === null || !('code' in cause)) return undefined;
  return typeof cause.code === 'string' ? cause.code : undefined;
}
