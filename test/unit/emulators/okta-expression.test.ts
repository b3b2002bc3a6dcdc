import { describe, expect, it } from 'vitest';
import { compileOktaExpression, OktaExpressionError } from '../../emulators/okta/okta-expression.js';
import { linkHeaders, pageByCursor } from '../../emulators/okta/okta-paging.js';

const user = {
  id: '00u1',
  status: 'DEPROVISIONED',
  lastUpdated: '2026-03-01T10:00:00.000Z',
  profile: { login: 'Ann@Example.test', firstName: 'Ann' },
  target: [{ id: '00g1' }, { id: '00u9' }],
};

describe('compileOktaExpression', () => {
  it.each([
    ['status eq "DEPROVISIONED"', true],
    ['status eq "ACTIVE"', false],
    ['status ne "ACTIVE"', true],
    ['lastUpdated gt "2026-03-01T09:59:59Z"', true],
    ['lastUpdated gt "2026-03-01T10:00:00Z"', false],
    ['lastUpdated ge "2026-03-01T10:00:00Z"', true],
    ['profile.login eq "ann@example.test"', true],
    ['profile.login sw "ann@"', true],
    ['profile.firstName co "nn"', true],
    ['profile.displayName pr', false],
    ['status eq "ACTIVE" or profile.firstName eq "Ann"', true],
    ['status eq "ACTIVE" or status eq "STAGED" and id eq "00u1"', false],
    ['(status eq "ACTIVE" or status eq "DEPROVISIONED") and id eq "00u1"', true],
    ['target.id eq "00u9"', true],
  ])('evaluates %s as %s', (expression, expected) => {
    expect(compileOktaExpression(expression)(user)).toBe(expected);
  });

  it.each(['status eq ACTIVE', 'status eq', 'status foo "x"', '(status eq "x"', 'status eq "x" and', ''])(
    'rejects the malformed expression %j',
    (expression) => {
      expect(() => compileOktaExpression(expression)).toThrow(OktaExpressionError);
    },
  );

  it('rejects attributes outside the endpoint filter subset', () => {
    expect(() => compileOktaExpression('profile.city eq "x"', { attributes: ['status'] })).toThrow(/not supported/);
  });
});

describe('pageByCursor and linkHeaders', () => {
  it('pages by the cursor of the last item and links the next page only when there is one', () => {
    const ids = ['a', 'b', 'c'];
    const first = pageByCursor(ids, (id) => id, undefined, 2);
    const second = pageByCursor(ids, (id) => id, first.nextAfter, 2);

    expect(first).toEqual({ items: ['a', 'b'], nextAfter: 'b' });
    expect(second).toEqual({ items: ['c'], nextAfter: undefined });
    expect(linkHeaders(new URL('https://org.test/api/v1/users?limit=2'), 'b')).toEqual([
      '<https://org.test/api/v1/users?limit=2>; rel="self"',
      '<https://org.test/api/v1/users?limit=2&after=b>; rel="next"',
    ]);
  });
});
