import { describe, expect, it } from 'vitest';
import { confusablePrototypes, skeleton } from '../../../../src/core/identity/skeleton.js';

describe('skeleton (UTS #39)', () => {
  it.each([
    ['Cyrillic а', '\u0430lice', 'alice'],
    ['Cyrillic е', 'h\u0435len', 'helen'],
    ['Cyrillic о', 'b\u043eb', 'bob'],
    ['Cyrillic р', '\u0440eter', 'peter'],
    ['Cyrillic с', '\u0441arl', 'carl'],
    ['Greek ο', 'b\u03bfb', 'bob'],
    ['Greek capital Α', '\u0391nna', 'Anna'],
    ['Cherokee Ꭺ', '\u13aanna', 'Anna'],
    ['fullwidth letters', '\uff41\uff4c\uff49\uff43\uff45', 'alice'],
  ])('maps %s to its Latin prototype', (_name, lookAlike, plain) => {
    expect(skeleton(lookAlike)).toBe(skeleton(plain));
  });

  it('maps "m" and "rn" to the same skeleton', () => {
    expect(skeleton('mary')).toBe(skeleton('rnary'));
    expect(skeleton('mary')).toBe('rnary');
  });

  it('maps the capital I, the digit 1 and the bar to the small L, and the zero to the capital O', () => {
    expect(skeleton('I')).toBe('l');
    expect(skeleton('1')).toBe('l');
    expect(skeleton('|')).toBe('l');
    expect(skeleton('b0b')).toBe('bOb');
  });

  it('is case-sensitive, as the standard is', () => {
    expect(skeleton('Alice')).not.toBe(skeleton('alice'));
  });

  it('ignores default-ignorable code points (zero-width space, joiners, soft hyphen)', () => {
    expect(skeleton('al\u200bice')).toBe('alice');
    expect(skeleton('a\u200dl\u200ci\u00adce')).toBe('alice');
  });

  it('decomposes: a precomposed and a combining "é" have the same skeleton', () => {
    expect(skeleton('jos\u00e9')).toBe(skeleton('jose\u0301'));
    expect(skeleton('jos\u00e9')).toBe(skeleton('jos\u00e9').normalize('NFD'));
  });

  it('leaves plain ASCII letters without a look-alike mapping as they are', () => {
    expect(skeleton('alice@jones.org')).toBe('alice@jones.org');
    expect(skeleton('')).toBe('');
  });

  it('reads the whole confusables table (thousands of single code points)', () => {
    const table = confusablePrototypes();
    expect(table.size).toBeGreaterThan(6000);
    for (const [source] of table) expect(Array.from(source)).toHaveLength(1);
  });
});
