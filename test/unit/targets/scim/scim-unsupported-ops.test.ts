import { describe, expect, it } from 'vitest';
import type { OpKind } from '../../../../src/core/planner/op.js';
import { OP_PHASES } from '../../../../src/core/planner/op.js';
import { resolveScimDialect, unsupportedReason } from '../../../../src/targets/scim/scim-dialect.js';
import { DEFAULT_SCIM_CAPABILITIES } from '../../../../src/targets/scim/scim-provider-capabilities.js';

const KINDS = Object.keys(OP_PHASES) as OpKind[];
const NO_PATCH = { ...DEFAULT_SCIM_CAPABILITIES, patchSupported: false };
const dialectWith = (capabilities: typeof DEFAULT_SCIM_CAPABILITIES) =>
  resolveScimDialect({
    setting: { preset: 'generic', overrides: {} },
    capabilities,
    lessons: {},
    maxMembersPerPatch: 100,
    displayUrl: 'https://app.example.com/scim/v2',
  });

describe('what a SCIM provider’s capabilities rule out', () => {
  it('supports every op when /ServiceProviderConfig allows PATCH (or says nothing)', () => {
    const dialect = dialectWith(DEFAULT_SCIM_CAPABILITIES);
    expect(KINDS.filter((kind) => unsupportedReason(kind, dialect) !== null)).toEqual([]);
  });

  it('without PATCH: every change to an existing user or group is unsupported; creates, deletes and invites are not', () => {
    const dialect = dialectWith(NO_PATCH);
    const unsupported = KINDS.filter((kind) => unsupportedReason(kind, dialect) !== null);
    expect(unsupported.sort()).toEqual(
      ['group.rename', 'members.add', 'members.remove', 'user.deactivate', 'user.reactivate', 'user.update'].sort(),
    );
    expect(unsupportedReason('user.deactivate', dialect)).toBe(
      'app.example.com does not update users over SCIM (its /ServiceProviderConfig says it does not support PATCH: patch.supported is false)',
    );
  });
});
