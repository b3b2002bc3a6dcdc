import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../emulators/scim/scim-error.js';
import { parseScimFilter } from '../../emulators/scim/scim-filter.js';

describe('parseScimFilter', () => {
  it('binds "and" tighter than "or", and "not" tighter than both (RFC 7644 §3.4.2.2)', () => {
    expect(parseScimFilter('a eq "1" or b eq "2" and not (c pr)')).toEqual({
      kind: 'or',
      left: { kind: 'compare', path: 'a', operator: 'eq', value: '1' },
      right: {
        kind: 'and',
        left: { kind: 'compare', path: 'b', operator: 'eq', value: '2' },
        right: { kind: 'not', filter: { kind: 'present', path: 'c' } },
      },
    });
  });

  it('reads operators and literals case-insensitively, numbers, booleans and null', () => {
    expect(parseScimFilter('x EQ TRUE')).toMatchObject({ operator: 'eq', value: true });
    expect(parseScimFilter('x gt -1.5e2')).toMatchObject({ operator: 'gt', value: -150 });
    expect(parseScimFilter('x ne null')).toMatchObject({ operator: 'ne', value: null });
  });

  it('reads a value filter on a multi-valued attribute, grouping inside it', () => {
    expect(parseScimFilter('emails[type eq "work" and (value co "@x" or primary eq true)]')).toMatchObject({
      kind: 'valuePath',
      path: 'emails',
      filter: { kind: 'and', right: { kind: 'or' } },
    });
  });

  it.each(['', 'a eq', 'a eq "x" and', 'a[b[c eq "1"]]', 'a eq "x"]', 'not a eq "x"', 'a eq x', '"a" eq "b"'])(
    'refuses %j with invalidFilter',
    (text) => {
      expect(() => parseScimFilter(text)).toThrow(ScimError);
      try {
        parseScimFilter(text);
      } catch (error) {
        expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
      }
    },
  );

  it('reads back any string written as a JSON string, whatever quotes, backslashes or scripts it holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(parseScimFilter(`userName eq ${JSON.stringify(value)}`)).toEqual({
          kind: 'compare',
          path: 'userName',
          operator: 'eq',
          value,
        });
      }),
    );
  });
});
