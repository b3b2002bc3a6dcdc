import { describe, expect, it } from 'vitest';
import { caseFold, comparisonKeys, sameIgnoringCase } from '../../../../src/core/identity/comparison-keys.js';

function lookAlike(a: string, b: string): boolean {
  const keys = new Set(comparisonKeys(a));
  return comparisonKeys(b).some((key) => keys.has(key));
}

describe('caseFold', () => {
  it.each([
    ['ALICE@Example.COM', 'alice@example.com'],
    ['Stra\u00dfe', 'strasse'],
    ['STRASSE', 'strasse'],
    ['\u03a3\u03bf\u03c6\u03af\u03b1\u03c2', '\u03c3\u03bf\u03c6\u03af\u03b1\u03c3'],
    ['\ufb01le', 'file'],
  ])('folds %s like %s', (a, b) => {
    expect(caseFold(a)).toBe(caseFold(b));
  });

  it('folds a capital sigma alike wherever it stands (no final-sigma context)', () => {
    expect(caseFold('\u03a3')).toBe('\u03c3');
    expect(caseFold('a\u03a32')).toBe(caseFold('a\u03c32'));
    expect(caseFold('a\u03c2')).toBe('a\u03c3');
  });

  it('folds as Unicode’s CaseFolding.txt does for letters that upper-casing joins: "ſ" and "K" yes, "ı" no', () => {
    expect(caseFold('\u017f')).toBe('s');
    expect(caseFold('\u212a')).toBe('k');
    expect(caseFold('\u0131')).toBe('\u0131');
    expect(caseFold('\u0130')).toBe('i\u0307');
    expect(sameIgnoringCase('\u017fam@example.com', 'SAM@example.com')).toBe(true);
    expect(sameIgnoringCase('\u0131an@example.com', 'ian@example.com')).toBe(false);
    expect(lookAlike('\u0131an@example.com', 'ian@example.com')).toBe(true);
  });

  it('folds composed and decomposed accents alike', () => {
    expect(caseFold('Jos\u00e9')).toBe(caseFold('JOSE\u0301'));
  });
});

describe('sameIgnoringCase', () => {
  it('is true for case variants only', () => {
    expect(sameIgnoringCase('Alice@Example.com', 'alice@example.com')).toBe(true);
    expect(sameIgnoringCase('\u0430lice@example.com', 'alice@example.com')).toBe(false);
  });
});

describe('comparisonKeys', () => {
  it.each([
    ['a case variant', 'ALICE@example.com', 'alice@example.com'],
    ['a Cyrillic а', '\u0430lice@example.com', 'alice@example.com'],
    ['a Cyrillic capital А with other capitals', '\u0410LICE@example.com', 'alice@example.com'],
    ['a Greek ο', 'b\u03bfb@example.com', 'bob@example.com'],
    ['"rn" for "m"', 'rnary@example.com', 'mary@example.com'],
    ['"rn" for a capital M', 'rnary@example.com', 'Mary@example.com'],
    ['fullwidth letters', '\uff41\uff4c\uff49\uff43\uff45@example.com', 'alice@example.com'],
    ['fullwidth capitals', '\uff21\uff2c\uff29\uff23\uff25@example.com', 'alice@example.com'],
    ['mathematical bold letters', '\u{1d41a}\u{1d425}\u{1d422}\u{1d41c}\u{1d41e}@example.com', 'alice@example.com'],
    ['a capital I for a small L', 'aIice@example.com', 'alice@example.com'],
    ['a digit 1 for a small L', 'a1ice@example.com', 'alice@example.com'],
    ['a capital I for a small L, with another capital', 'AIice@example.com', 'alice@example.com'],
    ['a zero for an o', 'b0b@example.com', 'bob@example.com'],
    ['a zero-width space', 'al\u200bice@example.com', 'alice@example.com'],
  ])('holds %s as a look-alike', (_name, a, b) => {
    expect(lookAlike(a, b)).toBe(true);
    expect(lookAlike(b, a)).toBe(true);
  });

  it.each([
    ['alice@example.com', 'alicia@example.com'],
    ['alice@example.com', 'alice@example.org'],
    ['bob@example.com', 'rob@example.com'],
    ['aiice@example.com', 'alice@example.com'],
    ['jsmith1@example.com', 'jsmith2@example.com'],
  ])('tells %s and %s apart', (a, b) => {
    expect(lookAlike(a, b)).toBe(false);
  });

  it('gives an empty or blank value no key: it looks like nothing', () => {
    expect(comparisonKeys('')).toEqual([]);
    expect(comparisonKeys('  ')).toEqual([]);
  });

  it('gives a plain lower-case ASCII value one key, itself', () => {
    expect(comparisonKeys('alice@jones.org')).toEqual(['alice@jones.org']);
  });
});
