import { describe, expect, it } from 'vitest';
import { groupManualWork } from '../../../src/core/manual-work.js';

const NO_PATCH = 'no PATCH';

describe('groupManualWork', () => {
  it('counts member removals per group, members once each, in the order first seen', () => {
    expect(
      groupManualWork([
        { kind: 'members.remove', subject: 'g-sales', members: ['ana', 'bo'], reason: NO_PATCH },
        { kind: 'members.add', subject: 'g-sales', members: ['cy'], reason: NO_PATCH },
        { kind: 'members.remove', subject: 'g-sales', members: ['bo', 'dee'], reason: NO_PATCH },
        { kind: 'members.remove', subject: 'g-eng', members: ['eve'], reason: NO_PATCH },
      ]),
    ).toEqual([
      { kind: 'members.remove', group: 'g-sales', count: 3, subjects: ['ana', 'bo', 'dee'], reason: NO_PATCH },
      { kind: 'members.add', group: 'g-sales', count: 1, subjects: ['cy'], reason: NO_PATCH },
      { kind: 'members.remove', group: 'g-eng', count: 1, subjects: ['eve'], reason: NO_PATCH },
    ]);
  });

  it('groups other kinds across subjects, and keeps different reasons apart', () => {
    expect(
      groupManualWork([
        { kind: 'user.deactivate', subject: 'ana', members: [], reason: NO_PATCH },
        { kind: 'user.deactivate', subject: 'bo', members: [], reason: NO_PATCH },
        { kind: 'group.rename', subject: 'g-sales', members: [], reason: NO_PATCH },
        { kind: 'user.deactivate', subject: 'cy', members: [], reason: 'no deactivation by PUT' },
      ]),
    ).toEqual([
      { kind: 'user.deactivate', group: null, count: 2, subjects: ['ana', 'bo'], reason: NO_PATCH },
      { kind: 'group.rename', group: null, count: 1, subjects: ['g-sales'], reason: NO_PATCH },
      { kind: 'user.deactivate', group: null, count: 1, subjects: ['cy'], reason: 'no deactivation by PUT' },
    ]);
  });

  it('is empty for no ops', () => {
    expect(groupManualWork([])).toEqual([]);
  });
});
