import confusables from 'unhomoglyph/data.json' with { type: 'json' };

// The "MA" table of Unicode's confusables.txt (UTS #39 §4), as the `unhomoglyph` package ships it: one source code
// point → its prototype (one or more code points), e.g. Cyrillic "а" → "a", "m" → "rn", "0" → "O", "I" → "l".
// Read once into a Map keyed by code point; the prototypes are fixed points of the table (no prototype holds a
// mapped character), so one pass over a string is the whole mapping.
const PROTOTYPES: ReadonlyMap<string, string> = new Map(
  Object.entries(confusables as Readonly<Record<string, unknown>>).flatMap(([source, prototype]) =>
    typeof prototype === 'string' && Array.from(source).length === 1 ? [[source, prototype] as const] : [],
  ),
);

// UTS #39 (since revision 28) removes default-ignorable code points before mapping: a zero-width space or joiner
// inside "al\u200Bice" is invisible, so it must not make the login look different.
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The UTS #39 skeleton of a string: NFD, default-ignorable code points removed, each code point replaced by its
 * confusables prototype, NFD again. Two strings whose skeletons are equal look alike ("раypal" and "paypal",
 * "rnary" and "mary"). A skeleton is for comparison only: it is not meant to be shown, stored as a name, or
 * used as a normalisation. Case-sensitive, as the standard is: see `comparisonKeys` for logins and e-mails.
 */
export function skeleton(text: string): string {
  // Most logins are ASCII, which has no decompositions and no default-ignorables: only the mapping is left to do.
  let mapped = '';
  for (const char of isAscii(text) ? text : text.normalize('NFD').replace(DEFAULT_IGNORABLE, '')) {
    mapped += PROTOTYPES.get(char) ?? char;
  }
  return isAscii(mapped) ? mapped : mapped.normalize('NFD');
}

/** Whether a string is all ASCII: then NFC, NFD, NFKC and NFKD leave it as it is. */
export function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

/** The code points the confusables table maps, each with its prototype: for tests that build look-alikes. */
export function confusablePrototypes(): ReadonlyMap<string, string> {
  return PROTOTYPES;
}
