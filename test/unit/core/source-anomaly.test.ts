import { describe, expect, it } from 'vitest';
import type { GuardLimit } from '../../../src/core/planner/guards.js';
import { DEFAULT_MAX_SOURCE_DROP, checkSourceAnomaly, explainSourceAnomaly } from '../../../src/core/source-anomaly.js';

const share = (percent: number): GuardLimit => ({ kind: 'share', percent });

describe('checkSourceAnomaly', () => {
  it('defaults to 30%', () => {
    expect(DEFAULT_MAX_SOURCE_DROP).toEqual(share(30));
  });

  it.each([
    { case: 'exactly 30% of the users gone', mirror: [100, 20], read: [70, 20], drop: [] },
    {
      case: '31% of the users gone',
      mirror: [100, 20],
      read: [69, 20],
      drop: [{ resource: 'users', before: 100, after: 69, limit: 30 }],
    },
    { case: 'exactly 30% of the groups gone', mirror: [100, 50], read: [100, 35], drop: [] },
    {
      case: '40% of the groups gone',
      mirror: [100, 50],
      read: [100, 30],
      drop: [{ resource: 'groups', before: 50, after: 30, limit: 15 }],
    },
    {
      case: 'no users while the mirror holds 3',
      mirror: [3, 2],
      read: [0, 2],
      drop: [{ resource: 'users', before: 3, after: 0, limit: 10 }],
    },
    {
      case: 'no groups while the mirror holds 1',
      mirror: [3, 1],
      read: [3, 0],
      drop: [{ resource: 'groups', before: 1, after: 0, limit: 5 }],
    },
    { case: 'a small directory losing 10 of 12 users (the floor)', mirror: [12, 2], read: [2, 2], drop: [] },
    {
      case: 'a small directory losing 11 of 12 users',
      mirror: [12, 2],
      read: [1, 2],
      drop: [{ resource: 'users', before: 12, after: 1, limit: 10 }],
    },
    { case: '5 of 6 groups gone (the floor)', mirror: [3, 6], read: [3, 1], drop: [] },
    { case: 'an empty mirror (the first read)', mirror: [0, 0], read: [0, 0], drop: [] },
    { case: 'a directory that grew', mirror: [10, 2], read: [500, 40], drop: [] },
    {
      case: 'both gone',
      mirror: [40, 12],
      read: [0, 0],
      drop: [
        { resource: 'users', before: 40, after: 0, limit: 12 },
        { resource: 'groups', before: 12, after: 0, limit: 5 },
      ],
    },
  ])('$case', ({ mirror, read, drop }) => {
    const [users = 0, groups = 0] = mirror;
    const [readUsers = 0, readGroups = 0] = read;
    const anomaly = checkSourceAnomaly(
      { users, groups },
      { users: readUsers, groups: readGroups },
      DEFAULT_MAX_SOURCE_DROP,
    );
    expect(anomaly).toEqual(drop.length > 0 ? { drops: drop } : null);
  });

  it('holds an empty answer whatever the setting allows', () => {
    expect(
      checkSourceAnomaly({ users: 3, groups: 0 }, { users: 0, groups: 0 }, { kind: 'count', count: 1000 }),
    ).toEqual({
      drops: [{ resource: 'users', before: 3, after: 0, limit: 1000 }],
    });
    expect(checkSourceAnomaly({ users: 3, groups: 0 }, { users: 0, groups: 0 }, share(100))).not.toBeNull();
  });

  it('honours a count: at the count allowed, one above held', () => {
    const limit: GuardLimit = { kind: 'count', count: 4 };
    expect(checkSourceAnomaly({ users: 10, groups: 0 }, { users: 6, groups: 0 }, limit)).toBeNull();
    expect(checkSourceAnomaly({ users: 10, groups: 0 }, { users: 5, groups: 0 }, limit)).toEqual({
      drops: [{ resource: 'users', before: 10, after: 5, limit: 4 }],
    });
  });
});

describe('explainSourceAnomaly', () => {
  it('says which resource dropped from how many to how many, and what the setting allows', () => {
    expect(
      explainSourceAnomaly({
        drops: [
          { resource: 'users', before: 40, after: 24, limit: 12 },
          { resource: 'groups', before: 12, after: 0, limit: 5 },
        ],
      }),
    ).toBe(
      'users dropped from 40 to 24 (DIRSYNC_MAX_SOURCE_DROP allows losing 12); ' +
        'groups dropped from 12 to 0 (no read may lose all of them)',
    );
  });
});
