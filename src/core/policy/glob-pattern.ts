/**
 * Whether `text` matches `pattern` as a whole: `*` stands for any run of characters (none included), `?` for
 * exactly one, `\` makes the next character literal; everything else is literal. Case-insensitive, as Okta
 * and Entra treat group names and most attribute values (Okta's "Find groups by name" ignores case).
 */
export function globMatches(pattern: string, text: string): boolean {
  return globRegExp(pattern).test(text);
}

const cache = new Map<string, RegExp>();

function globRegExp(pattern: string): RegExp {
  const known = cache.get(pattern);
  if (known !== undefined) return known;
  let source = '';
  // Code points, like the regular expression's `u` mode: `?` matches one code point.
  const chars = Array.from(pattern);
  for (let index = 0; index < chars.length; index += 1) {
    const char = chars[index] ?? '';
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '\\' && index + 1 < chars.length) {
      index += 1;
      source += escape(chars[index] ?? '');
    } else source += escape(char);
  }
  // `s`: `*` spans line breaks too; `u`: `?` is one code point, not one UTF-16 unit.
  const regExp = new RegExp(`^${source}$`, 'isu');
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, regExp);
  return regExp;
}

function escape(char: string): string {
  // Only the syntax characters: under the `u` flag escaping anything else (`\-`) is an error.
  return char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
