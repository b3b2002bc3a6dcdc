import { isAscii, skeleton } from './skeleton.js';

/**
 * Full case folding, as near as JavaScript gets without tables of its own: upper then lower case, so that "ß",
 * "SS" and "ss" fold alike. NFC first, so that a composed and a decomposed "é" fold alike. `toLowerCase` writes a
 * capital sigma at the end of a word as the final "ς" (a context rule that folding has not): it is made "σ", as
 * Unicode's case folding does, or "ΑΣ2" and "ασ2" would fold apart. The long "ſ" folds to "s" and the Kelvin sign
 * to "k", as in Unicode's table.
 */
export function caseFold(text: string): string {
  if (isAscii(text)) return text.toLowerCase();
  return text
    .normalize('NFC')
    .split(DOTLESS_I)
    .map((part) => part.toUpperCase().toLowerCase().replaceAll('\u03c2', '\u03c3'))
    .join(DOTLESS_I);
}

// Upper-casing the dotless "ı" gives "I", which lower-cases to "i"; Unicode's case folding keeps "ı" apart from "i"
// (only the Turkic mappings join them), so it is folded as itself. It is still a look-alike of "i" (the skeleton).
const DOTLESS_I = '\u0131';

/**
 * Unicode's NFKC_Casefold, near enough: compatibility characters become the letters they stand for (fullwidth
 * "Ａ", mathematical "𝐀", the ligature "ﬁ") before case folding. The confusables table leaves most of them out,
 * because NFKC is meant to come first for identifiers (UTS #39 §4, UAX #31).
 */
function compatibilityFold(text: string): string {
  return caseFold(isAscii(text) ? text : text.normalize('NFKC'));
}

/** Whether two logins or e-mails are the same one as the app sees it: SCIM compares `userName` ignoring case. */
export function sameIgnoringCase(a: string, b: string): boolean {
  return caseFold(a) === caseFold(b);
}

/**
 * The keys under which a login or e-mail is compared with others: two values look alike when they share a key.
 * Two keys, because the skeleton is case-sensitive and logins are not:
 * - the skeleton of the case-folded value (NFKC_Casefold, then the skeleton): case changes, and look-alikes of the
 *   lower-case letters ("АLICE" with a Cyrillic А, "rnary" for "Mary", fullwidth "ＡＬＩＣＥ");
 * - the case-folded skeleton of the value as spelled: look-alikes that only exist in one case, which folding
 *   first would hide ("aIice" with a capital i is "alice" in most sans-serif fonts; "b0b" with a zero is "bOb").
 * An empty value has no keys: it looks like nothing.
 */
export function comparisonKeys(value: string): readonly string[] {
  if (value.trim() === '') return [];
  const folded = skeleton(compatibilityFold(value));
  const spelled = compatibilityFold(skeleton(value));
  return folded === spelled ? [folded] : [folded, spelled];
}
