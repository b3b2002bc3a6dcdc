import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupSelected } from '../../../../src/core/policy/group-selected.js';
import {
  DEFAULT_POLICY,
  type AttributeRule,
  type GroupScope,
  type UserScope,
} from '../../../../src/core/policy/policy.js';
import { userInScope } from '../../../../src/core/policy/user-in-scope.js';

const guests: AttributeRule = { kind: 'equals', attribute: 'userType', value: 'Guest' };
const services: AttributeRule = { kind: 'matches', attribute: 'login', glob: 'svc-*' };
const users = (over: Partial<UserScope>): UserScope => ({ ...DEFAULT_POLICY.scope.users, ...over });
const groups = (over: Partial<GroupScope>): GroupScope => ({ ...DEFAULT_POLICY.scope.groups, ...over });

describe('userInScope', () => {
  it('takes everyone under the default policy', () => {
    expect(userInScope({ userType: 'Guest' }, DEFAULT_POLICY.scope.users, false)).toEqual({ inScope: true });
  });

  it('leaves out a user an exclude rule matches, naming the rule', () => {
    expect(userInScope({ userType: 'Guest' }, users({ exclude: [services, guests] }), true)).toEqual({
      inScope: false,
      reason: 'excluded',
      rule: guests,
    });
  });

  it('with include rules, takes only users one of them matches', () => {
    const scope = users({ include: [{ kind: 'equals', attribute: 'department', value: 'Research' }] });
    expect(userInScope({ department: 'research' }, scope, true).inScope).toBe(true);
    expect(userInScope({ department: 'Sales' }, scope, true)).toEqual({ inScope: false, reason: 'not-included' });
  });

  it('exclusion wins over inclusion', () => {
    expect(userInScope({ userType: 'Guest' }, users({ include: [guests], exclude: [guests] }), true).inScope).toBe(
      false,
    );
  });

  it('membersOfPushedGroupsOnly leaves out users of no pushed group', () => {
    const scope = users({ membersOfPushedGroupsOnly: true });
    expect(userInScope({}, scope, false)).toEqual({ inScope: false, reason: 'not-in-pushed-group' });
    expect(userInScope({}, scope, true)).toEqual({ inScope: true });
  });

  it('is in scope exactly when (no include or one matches) and no exclude matches', () => {
    const rule = fc.record({
      kind: fc.constant('equals' as const),
      attribute: fc.constantFrom('a', 'b'),
      value: fc.constantFrom('x', 'y'),
    });
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 3 }),
        fc.array(rule, { maxLength: 3 }),
        fc.record({ a: fc.constantFrom('x', 'y', 'z'), b: fc.constantFrom('x', 'y', 'z') }),
        (include, exclude, bag) => {
          const hit = (r: { attribute: 'a' | 'b'; value: string }) => bag[r.attribute] === r.value;
          const expected = (include.length === 0 || include.some(hit)) && !exclude.some(hit);
          expect(userInScope(bag, users({ include, exclude }), true).inScope).toBe(expected);
        },
      ),
    );
  });
});

describe('groupSelected', () => {
  const sales = { id: '00g1', displayName: 'Sales EMEA', builtIn: false, attributes: { type: 'OKTA_GROUP' } };
  const everyone = { id: '00g0', displayName: 'Everyone', builtIn: true };

  it('pushes every group but built-in ones under the default policy', () => {
    expect(groupSelected(sales, DEFAULT_POLICY.scope.groups)).toEqual({ selected: true });
    expect(groupSelected(everyone, DEFAULT_POLICY.scope.groups)).toEqual({ selected: false, reason: 'built-in' });
  });

  it('keeps built-in groups out even when include names them, unless includeBuiltInGroups', () => {
    const named = groups({ include: [{ kind: 'name', glob: 'Everyone' }] });
    expect(groupSelected(everyone, named).selected).toBe(false);
    expect(groupSelected(everyone, { ...named, includeBuiltInGroups: true }).selected).toBe(true);
  });

  it('selects by name glob, case-insensitively, by id, and by rule', () => {
    expect(groupSelected(sales, groups({ include: [{ kind: 'name', glob: 'sales*' }] })).selected).toBe(true);
    expect(groupSelected(sales, groups({ include: [{ kind: 'id', id: '00g1' }] })).selected).toBe(true);
    expect(groupSelected(sales, groups({ include: [{ kind: 'id', id: '00G1' }] }))).toEqual({
      selected: false,
      reason: 'not-included',
    });
    const rule: AttributeRule = { kind: 'equals', attribute: 'type', value: 'okta_group' };
    expect(groupSelected(sales, groups({ include: [{ kind: 'rule', rule }] })).selected).toBe(true);
    expect(
      groupSelected({ ...sales, attributes: undefined as never }, groups({ include: [{ kind: 'rule', rule }] }))
        .selected,
    ).toBe(false);
  });

  it('exclusion wins over inclusion and is named', () => {
    const exclude = { kind: 'name', glob: '* EMEA' } as const;
    expect(groupSelected(sales, groups({ include: [{ kind: 'name', glob: 'Sales*' }], exclude: [exclude] }))).toEqual({
      selected: false,
      reason: 'excluded',
      selector: exclude,
    });
  });
});
