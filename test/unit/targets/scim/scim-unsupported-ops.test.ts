import { describe, expect, it } from 'vitest';
import type { OpKind } from '../../../../src/core/planner/op.js';
import { OP_PHASES } from '../../../../src/core/planner/op.js';
import {
  DEFAULT_SCIM_CAPABILITIES,
  unsupportedReason,
} from '../../../../src/targets/scim/scim-provider-capabilities.js';

const KINDS = Object.keys(OP_PHASES) as OpKind[];
const NO_PATCH = { ...DEFAULT_SCIM_CAPABILITIES, patchSupported: false };

describe('what a SCIM provider’s capabilities rule out', () => {
  it('supports every op when /ServiceProviderConfig allows PATCH (or says nothing)', () => {
    expect(KINDS.filter((kind) => unsupportedReason(kind, DEFAULT_SCIM_CAPABILITIES) !== null)).toEqual([]);
  });

  it('without PATCH: every change to an existing user or group is unsupported; creates, deletes and invites are not', () => {
    const unsupported = KINDS.filter((kind) => unsupportedReason(kind, NO_PATCH) !== null);
    expect(unsupported.sort()).toEqual(
      ['group.rename', 'members.add', 'members.remove', 'user.deactivate', 'user.reactivate', 'user.update'].sort(),
    );
    expect(unsupportedReason('user.deactivate', NO_PATCH)).toMatch(/does not support PATCH.*patch\.supported is false/);
  });
});
