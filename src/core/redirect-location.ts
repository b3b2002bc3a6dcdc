/**
 * Where a refused redirect pointed, as an operator may read it: origin and path, never its query, fragment or user
 * info (a `Location` may carry tokens).
 */
export function redirectLocation(location: string | null, requested: string | undefined): string {
  if (location === null || location.trim() === '') return '(no Location header)';
  try {
    const url = new URL(location, requested);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(an unreadable Location header)';
  }
}
