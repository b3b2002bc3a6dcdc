import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributeRuleMatches } from '../../../../src/core/policy/attribute-rule-matches.js';
import { globMatches } from '../../../../src/core/policy/glob-pattern.js';

describe('globMatches', () => {
  it.each([
    ['Sales*', 'Sales EMEA', true],
    ['Sales*', 'sales', true],
    ['Sales*', 'Presales', false],
    ['*-admins', 'eng-Admins', true],
    ['Team ?', 'Team A', true],
    ['Team ?', 'Team AB', false],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['100\\*', '100*', true],
    ['100\\*', '1000', false],
    ['Research', 'Research Leads', false],
  ])('%s against %s → %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('matches any text literally when the pattern has no wildcard (case aside)', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[*?\\]/.test(s)),
        (text) => {
          expect(globMatches(text, text.toUpperCase())).toBe(text.toUpperCase().toLowerCase() === text.toLowerCase());
          expect(globMatches(text, text)).toBe(true);
        },
      ),
    );
  });

  it('"*" matches every text and "prefix*" every extension of the prefix', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[*?\\]/.test(s)),
        fc.string(),
        (prefix, rest) => {
          expect(globMatches('*', prefix + rest)).toBe(true);
          expect(globMatches(`${prefix}*`, prefix + rest)).toBe(true);
        },
      ),
    );
  });
});

describe('attributeRuleMatches', () => {
  const guest = { userType: 'Guest', login: 'svc-build@acme.com', tags: ['a', 'B'], costCenter: 1234, empty: '' };

  it('equals compares as text, case-insensitively', () => {
    expect(attributeRuleMatches({ kind: 'equals', attribute: 'userType', value: 'guest' }, guest)).toBe(true);
    expect(attributeRuleMatches({ kind: 'equals', attribute: 'costCenter', value: '1234' }, guest)).toBe(true);
    expect(attributeRuleMatches({ kind: 'equals', attribute: 'userType', value: 'Member' }, guest)).toBe(false);
  });

  it('in passes when the value is one of the listed', () => {
    expect(attributeRuleMatches({ kind: 'in', attribute: 'userType', values: ['Member', 'GUEST'] }, guest)).toBe(true);
    expect(attributeRuleMatches({ kind: 'in', attribute: 'userType', values: ['Member'] }, guest)).toBe(false);
  });

  it('matches applies a glob', () => {
    expect(attributeRuleMatches({ kind: 'matches', attribute: 'login', glob: 'svc-*' }, guest)).toBe(true);
    expect(attributeRuleMatches({ kind: 'matches', attribute: 'login', glob: 'adm-*' }, guest)).toBe(false);
  });

  it('a multi-valued attribute passes when any value does', () => {
    expect(attributeRuleMatches({ kind: 'equals', attribute: 'tags', value: 'b' }, guest)).toBe(true);
  });

  it('exists is false for missing, null, empty text and empty lists', () => {
    for (const attribute of ['missing', 'empty']) {
      expect(attributeRuleMatches({ kind: 'exists', attribute, exists: true }, { ...guest, nothing: null })).toBe(
        false,
      );
      expect(attributeRuleMatches({ kind: 'exists', attribute, exists: false }, guest)).toBe(true);
    }
    expect(attributeRuleMatches({ kind: 'exists', attribute: 'list', exists: true }, { list: [] })).toBe(false);
    expect(attributeRuleMatches({ kind: 'exists', attribute: 'userType', exists: true }, guest)).toBe(true);
  });

  it('a missing attribute passes no value test, and inherited keys are not attributes', () => {
    expect(attributeRuleMatches({ kind: 'equals', attribute: 'dept', value: '' }, guest)).toBe(false);
    expect(attributeRuleMatches({ kind: 'exists', attribute: 'toString', exists: true }, {})).toBe(false);
  });
});
