/**
 * A text that is the same for equal values whatever order their keys were written in (JSON with object keys
 * sorted, `undefined` members left out, array order kept): what a digest of settings is taken of, so that a
 * configuration loaded again, or written with its keys in another order, is recognised as the same one.
 */
export function canonicalEncoding(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // Numbers, strings, booleans, null; `undefined` only reaches here inside an array, where JSON writes null.
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalEncoding(item)).join(',')}]`;
  if (value instanceof Map) return canonicalEncoding(Object.fromEntries(value));
  if (value instanceof Set) return canonicalEncoding([...value].sort());
  if (value instanceof RegExp) return JSON.stringify(String(value));
  const entries = Object.entries(value)
    .filter(([, member]) => member !== undefined && typeof member !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalEncoding(member)}`).join(',')}}`;
}
