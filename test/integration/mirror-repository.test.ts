import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDirectoryChange, emptyDirectoryDelta } from '../../src/core/directory-delta.js';
import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import type { DirectoryUser } from '../../src/core/model/directory-user.js';
import { MirrorRepository } from '../../src/store/mirror-repository.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const NOW = '2026-11-23T12:00:00.000Z';

function user(id: string, overrides: Partial<DirectoryUser> = {}): DirectoryChange {
  return {
    type: 'user',
    user: {
      id,
      userName: `${id}@example.com`,
      email: `${id}@example.com`,
      givenName: 'Zoë',
      familyName: "O'Brien",
      displayName: `Zoë O'Brien (${id})`,
      active: true,
      status: 'ACTIVE',
      ...overrides,
    },
  };
}

describe.each(DIALECTS)('the mirror on %s', (dialect) => {
  let database: TestDatabase;
  let connection = 0;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'mirror');
  });
  afterAll(async () => {
    await database.destroy();
  });

  const write = async (connectionId: string, full: boolean, changes: DirectoryChange[]) => {
    const delta = emptyDirectoryDelta();
    for (const change of changes) addDirectoryChange(delta, change);
    await database.db
      .transaction()
      .execute((trx) => new MirrorRepository(trx).writeDelta(delta, { connectionId, full, now: NOW }));
    return new MirrorRepository(database.db).loadDirectory(connectionId);
  };

  it('loads the same directory a page of rows at a time, whatever the ids sort like', async () => {
    const id = `c${++connection}`;
    // Upper and lower case, digits, accents and a long common prefix: the pages follow the database's own order.
    const ids = ['a', 'B', 'b', 'Z9', 'z10', 'é', 'E', 'user-0001', 'user-0001x', 'user-001', '00u', 'ß'];
    const groups = ['g1', 'G2', 'ǵ3'];
    const whole = await write(id, true, [
      ...ids.map((userId) => user(userId)),
      ...groups.map(
        (groupId) => ({ type: 'group', group: { id: groupId, displayName: groupId, builtIn: false } }) as const,
      ),
      ...groups.map(
        (groupId, index) =>
          ({ type: 'members.replace', groupId, memberIds: ids.filter((_, i) => i % (index + 2) !== 0) }) as const,
      ),
    ]);
    expect(whole.users.size).toBe(ids.length);
    const memberships = [...whole.members.values()].reduce((sum, set) => sum + set.size, 0);
    for (const pageRows of [1, 2, 3, 5, 1000]) {
      let queries = 0;
      const counted = database.db.withPlugin({
        transformQuery: (args) => {
          queries += 1;
          return args.node;
        },
        transformResult: (args) => Promise.resolve(args.result),
      });
      const paged = await new MirrorRepository(counted, pageRows).loadDirectory(id);
      // Pages until one comes back short: users, the groups (one query), memberships.
      const pages = (rows: number) => Math.floor(rows / pageRows) + 1;
      expect(queries, `pages of ${pageRows}`).toBe(pages(ids.length) + 1 + pages(memberships));
      expect(new Map([...paged.users].sort()), `pages of ${pageRows}`).toEqual(new Map([...whole.users].sort()));
      expect(paged.groups, `pages of ${pageRows}`).toEqual(whole.groups);
      expect(paged.members, `pages of ${pageRows}`).toEqual(whole.members);
      for (const groupId of groups) {
        expect([...(paged.members.get(groupId) ?? [])].sort()).toEqual(
          ids.filter((_, i) => i % (groups.indexOf(groupId) + 2) !== 0).sort(),
        );
      }
    }
  });

  it('refuses, naming the user and the field, a value no database stores that skipped the read check', async () => {
    const id = `c${++connection}`;
    await write(id, true, [user('a')]);
    for (const bad of [{ displayName: 'x\u0000' }, { givenName: 'x\uDC00' }]) {
      await expect(write(id, true, [user('a'), user('b', bad)])).rejects.toThrow(
        new RegExp(
          `^the ${Object.keys(bad)[0]} of user b holds a NUL byte or invalid UTF-16, which the mirror cannot store`,
        ),
      );
    }
    await expect(write(id, false, [{ type: 'user.deleted', id: '\u0000' }])).rejects.toThrow(
      /an object id holds a NUL/,
    );
    expect([...(await new MirrorRepository(database.db).loadDirectory(id)).users.keys()]).toEqual(['a']);
  });

  it('keeps the IdP attributes of users and groups (the policy plans from them), hostile text included', async () => {
    const id = `c${++connection}`;
    // JSON.parse makes "__proto__" an own key, as an IdP's JSON answer would.
    const hostile = {
      ...(JSON.parse('{"__proto__": "a plain key"}') as Record<string, string>),
      department: 'R&D "west"',
      costCenter: 42,
      manager: null,
      badges: ['a', 'b'],
      contractor: false,
      note: 'nul \u0000 and lone \uD800 surrogate',
    };
    const directory = await write(id, true, [
      user('a', { attributes: hostile }),
      user('b'),
      { type: 'group', group: { id: 'g', displayName: 'G', builtIn: false, attributes: { mailEnabled: true } } },
    ]);
    expect(directory.users.get('a')?.attributes).toEqual(hostile);
    expect(directory.users.get('b')?.attributes).toBeUndefined();
    expect(directory.groups.get('g')?.attributes).toEqual({ mailEnabled: true });
    const changed = await write(id, false, [user('a', { attributes: { department: 'Sales' } })]);
    expect(changed.users.get('a')?.attributes).toEqual({ department: 'Sales' });
  });

  it('a full read with an isolated group deletes other unseen groups with their members, keeping its own', async () => {
    const id = `c${++connection}`;
    await write(id, true, [
      user('a'),
      { type: 'group', group: { id: 'g', displayName: 'Eng', builtIn: false } },
      { type: 'group', group: { id: 'h', displayName: 'Ops', builtIn: false } },
      { type: 'group', group: { id: 'k', displayName: 'Old', builtIn: false } },
      { type: 'members.replace', groupId: 'g', memberIds: ['a'] },
      { type: 'members.replace', groupId: 'h', memberIds: ['a'] },
      { type: 'members.replace', groupId: 'k', memberIds: ['a'] },
    ]);
    const after = await write(id, true, [
      user('a'),
      { type: 'group.isolated', id: 'g', field: 'displayName', reason: 'displayName is empty' },
      { type: 'members.replace', groupId: 'g', memberIds: [] },
      { type: 'group', group: { id: 'h', displayName: 'Ops', builtIn: false } },
      { type: 'members.replace', groupId: 'h', memberIds: [] },
    ]);
    expect([...after.groups.keys()].sort()).toEqual(['g', 'h']);
    expect([...after.members]).toEqual([['g', new Set(['a'])]]);
  });

  it('a full read replaces everything: what it did not report is gone, members included', async () => {
    const id = `c${++connection}`;
    await write(id, true, [
      user('a'),
      user('b'),
      { type: 'group', group: { id: 'g', displayName: 'Eng', builtIn: false } },
      { type: 'group', group: { id: 'h', displayName: 'Ops', builtIn: false } },
      { type: 'members.replace', groupId: 'g', memberIds: ['a', 'b'] },
      { type: 'members.replace', groupId: 'h', memberIds: ['a'] },
    ]);
    const after = await write(id, true, [
      user('a', { active: false, status: 'SUSPENDED' }),
      { type: 'group', group: { id: 'g', displayName: 'Engineering', builtIn: false } },
      { type: 'members.replace', groupId: 'g', memberIds: ['a'] },
    ]);
    expect([...after.users.keys()]).toEqual(['a']);
    expect(after.users.get('a')).toMatchObject({ active: false, status: 'SUSPENDED', familyName: "O'Brien" });
    expect([...after.groups.values()]).toEqual([{ id: 'g', displayName: 'Engineering', builtIn: false }]);
    expect([...after.members]).toEqual([['g', new Set(['a'])]]);
  });

  it('an incremental read changes only what it reports: deletions, member adds and removes, replaced lists', async () => {
    const id = `c${++connection}`;
    await write(id, true, [
      user('a'),
      user('b'),
      user('c'),
      { type: 'group', group: { id: 'g', displayName: 'Eng', builtIn: false } },
      { type: 'group', group: { id: 'h', displayName: 'Ops', builtIn: false } },
      { type: 'group', group: { id: 'k', displayName: 'Old', builtIn: false } },
      { type: 'members.replace', groupId: 'g', memberIds: ['a', 'b'] },
      { type: 'members.replace', groupId: 'h', memberIds: ['a', 'b', 'c'] },
      { type: 'members.replace', groupId: 'k', memberIds: ['c'] },
    ]);
    const after = await write(id, false, [
      { type: 'user.deleted', id: 'b' },
      user('d'),
      { type: 'group.deleted', id: 'k' },
      { type: 'members.delta', groupId: 'g', added: ['d'], removed: ['a'] },
      { type: 'members.replace', groupId: 'h', memberIds: ['c', 'd'] },
    ]);
    expect([...after.users.keys()].sort()).toEqual(['a', 'c', 'd']);
    expect([...after.groups.keys()].sort()).toEqual(['g', 'h']);
    expect(after.members.get('g')).toEqual(new Set(['b', 'd']));
    expect(after.members.get('h')).toEqual(new Set(['c', 'd']));
    expect(after.members.has('k')).toBe(false);
  });

  it('keeps connections apart and stores cursors per connection', async () => {
    const one = `c${++connection}`;
    const two = `c${++connection}`;
    await write(one, true, [user('a')]);
    await write(two, true, [user('z')]);
    const mirror = new MirrorRepository(database.db);
    await mirror.putCursor(one, 'directory', 'cursor-1', NOW);
    await mirror.putCursor(one, 'directory', 'cursor-2', NOW);
    expect(await mirror.getCursor(one, 'directory')).toBe('cursor-2');
    expect(await mirror.getCursor(two, 'directory')).toBeNull();
    expect([...(await mirror.loadDirectory(one)).users.keys()]).toEqual(['a']);
    expect(await mirror.counts(two)).toEqual({ users: 1, activeUsers: 1, groups: 0 });
  });

  it('writes a 5 000-user full read in batches', async () => {
    const id = `c${++connection}`;
    const changes: DirectoryChange[] = Array.from({ length: 5000 }, (_, i) => user(`u${i}`));
    changes.push({ type: 'group', group: { id: 'all', displayName: 'All', builtIn: false } });
    changes.push({ type: 'members.replace', groupId: 'all', memberIds: changes.slice(0, 5000).map((_, i) => `u${i}`) });
    const directory = await write(id, true, changes);
    expect(directory.users.size).toBe(5000);
    expect(directory.members.get('all')?.size).toBe(5000);
  });
});
