import type { Kysely } from 'kysely';
import type { DirectoryDelta } from '../core/directory-delta.js';
import type { Directory } from '../core/model/directory.js';
import type { DirectoryGroup } from '../core/model/directory-group.js';
import { USER_ATTRIBUTE_NAMES, type DirectoryUser, type IdpAttributes } from '../core/model/directory-user.js';
import { chunk } from './chunk.js';
import type { Database, IdpGroupsTable, IdpMembershipsTable, IdpUsersTable } from './database.js';
import { idpAttributesColumn, jsonColumn } from './json-column.js';
import { MultiRowInsert } from './multi-row-insert.js';

const BATCH = 400;

const USERS = new MultiRowInsert<IdpUsersTable>(
  [
    'connection_id',
    'id',
    'user_name',
    'email',
    'given_name',
    'family_name',
    'display_name',
    'active',
    'status',
    'attributes',
    'updated_at',
  ],
  (db, rows) =>
    db
      .insertInto('idp_users')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['connection_id', 'id']).doUpdateSet((eb) => ({
          user_name: eb.ref('excluded.user_name'),
          email: eb.ref('excluded.email'),
          given_name: eb.ref('excluded.given_name'),
          family_name: eb.ref('excluded.family_name'),
          display_name: eb.ref('excluded.display_name'),
          active: eb.ref('excluded.active'),
          status: eb.ref('excluded.status'),
          attributes: eb.ref('excluded.attributes'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      ),
);

const MEMBERSHIPS = new MultiRowInsert<IdpMembershipsTable>(['connection_id', 'group_id', 'member_id'], (db, rows) =>
  db
    .insertInto('idp_memberships')
    .values(rows)
    .onConflict((oc) => oc.columns(['connection_id', 'group_id', 'member_id']).doNothing()),
);

export interface DeltaWrite {
  readonly connectionId: string;
  /** A full read: what it did not report no longer exists in the IdP. */
  readonly full: boolean;
  readonly now: string;
  /**
   * Objects isolated by earlier reads that this one did not see again (an incremental read reports only changes):
   * they are still isolated, and their memberships stay as they were like those of the delta's isolated objects.
   */
  readonly stillIsolated?: { readonly users: ReadonlySet<string>; readonly groups: ReadonlySet<string> };
}

/** The mirror of what the IdP says (idp_users, idp_groups, idp_memberships) and the read cursors. */
/** Rows of the mirror read per query when it is loaded whole. */
export const MIRROR_PAGE_ROWS = 10_000;

export class MirrorRepository {
  /** `pageRows`: rows per query of `loadDirectory` (default `MIRROR_PAGE_ROWS`). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly pageRows: number = MIRROR_PAGE_ROWS,
  ) {}

  /**
   * Applies one read. Call inside the transaction that also stores the cursor.
   *
   * Isolated objects (DESIGN "Safety") stay as the mirror last knew them, or absent if it never did: neither
   * written, nor deleted as unseen by a full read; the memberships of an isolated user or group stay as they were
   * too, whatever member lists this read carried (a member list is only as good as the objects in it). A full read
   * that met an object without a usable id removes nothing of that kind as unseen: it may be any of them.
   */
  async writeDelta(delta: DirectoryDelta, write: DeltaWrite): Promise<void> {
    assertStorable(delta);
    const { connectionId, now } = write;
    const isolatedUsers = new Set([...delta.isolatedUsers.keys(), ...(write.stillIsolated?.users ?? [])]);
    const isolatedGroups = new Set([...delta.isolatedGroups.keys(), ...(write.stillIsolated?.groups ?? [])]);
    const keptMemberships = await this.membershipsOfMembers(connectionId, [...isolatedUsers]);
    await this.upsertUsers(connectionId, delta.users.values(), now);
    await this.upsertGroups(connectionId, [...delta.groups.values()], now);
    let deletedGroups: ReadonlySet<string>;
    if (write.full) {
      const unidentified = new Set(delta.unidentified.map((object) => object.kind));
      if (!unidentified.has('user')) {
        await this.deleteUnseen('idp_users', connectionId, new Set([...delta.users.keys(), ...isolatedUsers]));
      }
      const groupIds = await this.ids('idp_groups', connectionId);
      const seenGroups = new Set([...delta.groups.keys(), ...isolatedGroups]);
      deletedGroups = new Set(unidentified.has('group') ? [] : groupIds.filter((id) => !seenGroups.has(id)));
      await this.deleteIds('idp_groups', connectionId, [...deletedGroups]);
      if (isolatedGroups.size === 0 && !unidentified.has('group')) {
        // A full read lists the members of every group it reports: replace them all at once.
        await this.db.deleteFrom('idp_memberships').where('connection_id', '=', connectionId).execute();
      } else {
        // Except the members of isolated groups, and of groups an unidentified group may be.
        const cleared = groupIds.filter(
          (id) => !isolatedGroups.has(id) && (deletedGroups.has(id) || delta.groups.has(id)),
        );
        await this.deleteMembershipsOf(connectionId, cleared);
      }
    } else {
      deletedGroups = delta.deletedGroups;
      await this.deleteIds('idp_users', connectionId, [...delta.deletedUsers]);
      await this.deleteIds('idp_groups', connectionId, [...delta.deletedGroups]);
      const replaced = [...delta.replacedMembers.keys()].filter((id) => !isolatedGroups.has(id));
      await this.deleteMembershipsOf(connectionId, [...delta.deletedGroups, ...replaced]);
      for (const [groupId, removed] of delta.removedMembers) {
        if (isolatedGroups.has(groupId)) continue;
        for (const ids of chunk([...removed], BATCH)) {
          await this.db
            .deleteFrom('idp_memberships')
            .where('connection_id', '=', connectionId)
            .where('group_id', '=', groupId)
            .where('member_id', 'in', ids)
            .execute();
        }
      }
    }
    // Written a batch at a time as they are listed: a full read of 100 000 users has some 600 000 of them.
    let rows: IdpMembershipsTable[] = [];
    const add = async (row: IdpMembershipsTable) => {
      rows.push(row);
      if (rows.length < BATCH) return;
      await MEMBERSHIPS.execute(this.db, rows);
      rows = [];
    };
    for (const source of [delta.replacedMembers, delta.addedMembers]) {
      for (const [groupId, members] of source) {
        if (isolatedGroups.has(groupId)) continue;
        for (const memberId of members) {
          if (!isolatedUsers.has(memberId))
            await add({ connection_id: connectionId, group_id: groupId, member_id: memberId });
        }
      }
    }
    // The memberships of isolated users, as they were before this read (unless their group is gone).
    for (const row of keptMemberships) if (!deletedGroups.has(row.group_id)) await add(row);
    await MEMBERSHIPS.execute(this.db, rows);
  }

  /**
   * The mirror's directory. Read a page of rows at a time, in key order (a page starts after the last key of the
   * one before): at 100 000 users the 600 000 membership rows read in one query were, with their ids, a transient
   * of some 100 MB on top of the directory being built, and the peak of a first sync's memory.
   */
  async loadDirectory(connectionId: string): Promise<Directory> {
    const users = new Map<string, DirectoryUser>();
    for (let after: string | undefined; ;) {
      const rows = await this.db
        .selectFrom('idp_users')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .$if(after !== undefined, (query) => query.where('id', '>', after ?? ''))
        .orderBy('id')
        .limit(this.pageRows)
        .execute();
      for (const row of rows) users.set(row.id, directoryUserFromRow(row));
      if (rows.length < this.pageRows) break;
      after = rows[rows.length - 1]?.id;
    }
    const groups = new Map<string, DirectoryGroup>();
    for (const row of await this.db
      .selectFrom('idp_groups')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute()) {
      groups.set(row.id, directoryGroupFromRow(row));
    }
    const members = new Map<string, Set<string>>();
    // Every membership row brings its own copies of two ids the users and groups above already hold: keep theirs
    // (at 100 000 users, 500 000 member ids held once more for the whole run).
    const known = (id: string): string => users.get(id)?.id ?? groups.get(id)?.id ?? id;
    for (let after: { readonly group: string; readonly member: string } | undefined; ;) {
      const rows = await this.db
        .selectFrom('idp_memberships')
        .select(['group_id', 'member_id'])
        .where('connection_id', '=', connectionId)
        .$if(after !== undefined, (query) =>
          query.where((eb) =>
            eb(eb.refTuple('group_id', 'member_id'), '>', eb.tuple(after?.group ?? '', after?.member ?? '')),
          ),
        )
        .orderBy('group_id')
        .orderBy('member_id')
        .limit(this.pageRows)
        .execute();
      for (const row of rows) {
        let set = members.get(row.group_id);
        if (set === undefined) members.set(known(row.group_id), (set = new Set()));
        set.add(known(row.member_id));
      }
      const last = rows[rows.length - 1];
      if (rows.length < this.pageRows || last === undefined) break;
      after = { group: last.group_id, member: last.member_id };
    }
    return { users, groups, members };
  }

  async getCursor(connectionId: string, name: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('cursors')
      .select('value')
      .where('connection_id', '=', connectionId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.value ?? null;
  }

  async putCursor(connectionId: string, name: string, value: string | null, now: string): Promise<void> {
    if (value === null) {
      await this.db.deleteFrom('cursors').where('connection_id', '=', connectionId).where('name', '=', name).execute();
      return;
    }
    await this.db
      .insertInto('cursors')
      .values({ connection_id: connectionId, name, value, updated_at: now })
      .onConflict((oc) => oc.columns(['connection_id', 'name']).doUpdateSet({ value, updated_at: now }))
      .execute();
  }

  async counts(connectionId: string): Promise<{ users: number; activeUsers: number; groups: number }> {
    const users = await this.db
      .selectFrom('idp_users')
      .select((eb) => [
        eb.fn.countAll<string | number>().as('n'),
        eb.fn.sum<string | number | null>('active').as('active'),
      ])
      .where('connection_id', '=', connectionId)
      .executeTakeFirstOrThrow();
    const groups = await this.db
      .selectFrom('idp_groups')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('connection_id', '=', connectionId)
      .executeTakeFirstOrThrow();
    return { users: Number(users.n), activeUsers: Number(users.active ?? 0), groups: Number(groups.n) };
  }

  private async upsertUsers(connectionId: string, users: Iterable<DirectoryUser>, now: string): Promise<void> {
    let rows: IdpUsersTable[] = [];
    for (const user of users) {
      rows.push(userToRow(connectionId, user, now));
      if (rows.length < BATCH) continue;
      await USERS.execute(this.db, rows);
      rows = [];
    }
    await USERS.execute(this.db, rows);
  }

  private async upsertGroups(connectionId: string, groups: readonly DirectoryGroup[], now: string): Promise<void> {
    for (const batch of chunk(groups, BATCH)) {
      await this.db
        .insertInto('idp_groups')
        .values(
          batch.map((group) => ({
            connection_id: connectionId,
            id: group.id,
            display_name: group.displayName,
            built_in: group.builtIn ? 1 : 0,
            attributes: jsonColumn(group.attributes),
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['connection_id', 'id']).doUpdateSet((eb) => ({
            display_name: eb.ref('excluded.display_name'),
            built_in: eb.ref('excluded.built_in'),
            attributes: eb.ref('excluded.attributes'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  private async deleteUnseen(table: 'idp_users' | 'idp_groups', connectionId: string, seen: ReadonlySet<string>) {
    const existing = await this.ids(table, connectionId);
    await this.deleteIds(
      table,
      connectionId,
      existing.filter((id) => !seen.has(id)),
    );
  }

  private async ids(table: 'idp_users' | 'idp_groups', connectionId: string): Promise<string[]> {
    const rows = await this.db.selectFrom(table).select('id').where('connection_id', '=', connectionId).execute();
    return rows.map((row) => row.id);
  }

  private async membershipsOfMembers(
    connectionId: string,
    memberIds: readonly string[],
  ): Promise<IdpMembershipsTable[]> {
    const rows: IdpMembershipsTable[] = [];
    for (const ids of chunk(memberIds, BATCH)) {
      rows.push(
        ...(await this.db
          .selectFrom('idp_memberships')
          .selectAll()
          .where('connection_id', '=', connectionId)
          .where('member_id', 'in', ids)
          .execute()),
      );
    }
    return rows;
  }

  private async deleteMembershipsOf(connectionId: string, groupIds: readonly string[]): Promise<void> {
    for (const ids of chunk(groupIds, BATCH)) {
      await this.db
        .deleteFrom('idp_memberships')
        .where('connection_id', '=', connectionId)
        .where('group_id', 'in', ids)
        .execute();
    }
  }

  private async deleteIds(table: 'idp_users' | 'idp_groups', connectionId: string, ids: readonly string[]) {
    for (const batch of chunk(ids, BATCH)) {
      await this.db.deleteFrom(table).where('connection_id', '=', connectionId).where('id', 'in', batch).execute();
    }
  }
}

function userToRow(connectionId: string, user: DirectoryUser, now: string): IdpUsersTable {
  return {
    connection_id: connectionId,
    id: user.id,
    user_name: user.userName,
    email: user.email,
    given_name: user.givenName,
    family_name: user.familyName,
    display_name: user.displayName,
    active: user.active ? 1 : 0,
    status: user.status,
    attributes: jsonColumn(user.attributes),
    updated_at: now,
  };
}

/** An `idp_users` row as the model's `DirectoryUser` (the one mapping, shared with `why`'s evidence). */
export function directoryUserFromRow(row: IdpUsersTable): DirectoryUser {
  return {
    id: row.id,
    userName: row.user_name,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    displayName: row.display_name,
    active: row.active === 1,
    status: row.status,
    ...optionalAttributes(idpAttributesColumn(row.attributes, `idp_users ${row.id}`)),
  };
}

/** An `idp_groups` row as the model's `DirectoryGroup`. */
export function directoryGroupFromRow(row: IdpGroupsTable): DirectoryGroup {
  return {
    id: row.id,
    displayName: row.display_name,
    builtIn: row.built_in === 1,
    ...optionalAttributes(idpAttributesColumn(row.attributes, `idp_groups ${row.id}`)),
  };
}

function optionalAttributes(attributes: IdpAttributes | undefined): { attributes?: IdpAttributes } {
  return attributes === undefined ? {} : { attributes };
}

// NUL, and lone surrogates (which the drivers turn into U+FFFD without a word).
const UNSTORABLE = /[\0\p{Cs}]/u;

/**
 * The last line of defence: `screenDirectoryChange` (applied to every read) isolates any object with such a value,
 * so reaching this is a bug of dirsync; failing the run here is better than PostgreSQL's "invalid byte sequence"
 * without a name, or a value silently changed on its way into the mirror.
 */
function assertStorable(delta: DirectoryDelta): void {
  const check = (value: string, what: () => string) => {
    if (UNSTORABLE.test(value)) {
      throw new Error(
        `${what()} holds a NUL byte or invalid UTF-16, which the mirror cannot store: the read's check should have ` +
          'isolated it (a bug of dirsync: report it); nothing was written',
      );
    }
  };
  for (const user of delta.users.values()) {
    check(user.id, () => 'the id of a user');
    for (const field of USER_ATTRIBUTE_NAMES) check(user[field], () => `the ${field} of user ${user.id}`);
    check(user.status, () => `the status of user ${user.id}`);
  }
  for (const group of delta.groups.values()) {
    check(group.id, () => 'the id of a group');
    check(group.displayName, () => `the displayName of group ${group.id}`);
  }
  const ids = [
    ...delta.deletedUsers,
    ...delta.deletedGroups,
    ...delta.isolatedUsers.keys(),
    ...delta.isolatedGroups.keys(),
  ];
  for (const id of ids) check(id, () => 'an object id');
  for (const source of [delta.replacedMembers, delta.addedMembers, delta.removedMembers]) {
    for (const [groupId, members] of source) {
      check(groupId, () => 'the id of a group with member changes');
      for (const id of members) check(id, () => `a member id of group ${groupId}`);
    }
  }
}
