import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memberValuePath, scimEqFilter } from '../../../../src/targets/scim/scim-filter.js';
import { GROUP_SCHEMA } from '../../../emulators/scim/scim-core-schemas.js';
import { parseScimFilter } from '../../../emulators/scim/scim-filter.js';
import { parseScimPatchPath } from '../../../emulators/scim/scim-patch-path.js';

describe('scimEqFilter', () => {
  it('quotes and escapes the value', () => {
    expect(scimEqFilter('userName', 'o"brien\\x@zoë.example')).toBe('userName eq "o\\"brien\\\\x@zoë.example"');
  });

  it('cannot be broken out of: an RFC parser reads back exactly one eq on the attribute, with the value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('userName', 'externalId', 'displayName' as const),
        fc.string(),
        (attribute, value) => {
          expect(parseScimFilter(scimEqFilter(attribute, value))).toEqual({
            kind: 'compare',
            path: attribute,
            operator: 'eq',
            value,
          });
        },
      ),
    );
  });
});

describe('memberValuePath', () => {
  it('selects exactly the member whose value is the id, whatever characters the id holds', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (id, other) => {
        const path = parseScimPatchPath(memberValuePath(id), GROUP_SCHEMA);
        expect(path.attribute.name).toBe('members');
        expect(path.filter?.({ value: id })).toBe(true);
        fc.pre(other !== id);
        expect(path.filter?.({ value: other })).toBe(false);
      }),
    );
  });
});
