/**
 * The `kind` label of `dirsync_target_errors_total` for one HTTP answer from the app, or null when it is not
 * an error. Counted per request (retries included), so throttling shows even when the retries succeed.
 */
export function httpErrorKind(status: number | undefined): string | null {
  if (status === undefined) return 'unavailable';
  if (status < 400) return null;
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}
