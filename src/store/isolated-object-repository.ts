import type { Kysely } from 'kysely';
import type { DirectoryDelta } from '../core/directory-delta.js';
import type { Isolation } from '../core/model/directory-change.js';
import { chunk } from './chunk.js';
import type { Database, IsolatedObjectKind } from './database.js';

const BATCH = 400;

/** An isolated IdP object as stored: which run last isolated it, and since when it is. */
export interface StoredIsolation {
  readonly kind: IsolatedObjectKind;
  readonly id: string;
  readonly reason: string;
  readonly runId: string;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

/**
 * Which objects are isolated once a read is recorded. `released` counts the objects an incremental read found clean
 * (or deleted) again: their memberships stayed frozen while they were isolated, and a read of changes only does not
 * list them again, so the next read must be full.
 */
export interface IsolationState {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly released: number;
}

/**
 * The IdP objects the last reads could not take (`isolated_objects`, DESIGN "Safety"), for `status` and whoever
 * asks why someone is not synced. An object stays listed until a read sees it clean, sees it deleted, or (a full
 * read) no longer sees it at all.
 */
export class IsolatedObjectRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records what one read isolated and forgets what it saw clean or deleted; a full read also forgets every object
   * it did not isolate again. Call inside the transaction that writes the mirror (a dry run rolls both back).
   * Objects without a usable id are not stored: they have no key. Returns the ids isolated once the read is
   * recorded: this read's, and (an incremental read) those of earlier reads it did not see again.
   */
  async recordRead(
    connectionId: string,
    delta: DirectoryDelta,
    read: { readonly runId: string; readonly full: boolean; readonly now: string },
  ): Promise<IsolationState> {
    let released = 0;
    for (const [kind, isolated, seen] of [
      ['user', delta.isolatedUsers, [...delta.users.keys(), ...delta.deletedUsers]],
      ['group', delta.isolatedGroups, [...delta.groups.keys(), ...delta.deletedGroups]],
    ] as const) {
      if (read.full) {
        const stored = await this.db
          .selectFrom('isolated_objects')
          .select('id')
          .where('connection_id', '=', connectionId)
          .where('kind', '=', kind)
          .execute();
        await this.forget(
          connectionId,
          kind,
          stored.map((row) => row.id).filter((id) => !isolated.has(id)),
        );
      } else {
        released += await this.forget(connectionId, kind, seen);
      }
      await this.upsert(connectionId, kind, isolated, read);
    }
    const rows = await this.db
      .selectFrom('isolated_objects')
      .select(['kind', 'id'])
      .where('connection_id', '=', connectionId)
      .execute();
    return {
      users: new Set(rows.filter((row) => row.kind === 'user').map((row) => row.id)),
      groups: new Set(rows.filter((row) => row.kind === 'group').map((row) => row.id)),
      released,
    };
  }

  /** How many objects of the connection are isolated now, and the first `limit` of them (users first, by id). */
  async summary(connectionId: string, limit: number): Promise<{ count: number; first: StoredIsolation[] }> {
    const count = await this.db
      .selectFrom('isolated_objects')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('connection_id', '=', connectionId)
      .executeTakeFirstOrThrow();
    const rows = await this.db
      .selectFrom('isolated_objects')
      .selectAll()
      .where('connection_id', '=', connectionId)
      // 'group' < 'user': descending puts users first.
      .orderBy('kind', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return {
      count: Number(count.n),
      first: rows.map((row) => ({
        kind: row.kind,
        id: row.id,
        reason: row.reason,
        runId: row.run_id,
        firstSeenAt: row.first_seen_at,
        lastSeenAt: row.last_seen_at,
      })),
    };
  }

  private async upsert(
    connectionId: string,
    kind: IsolatedObjectKind,
    isolated: ReadonlyMap<string, Isolation>,
    read: { readonly runId: string; readonly now: string },
  ): Promise<void> {
    for (const batch of chunk([...isolated], BATCH)) {
      await this.db
        .insertInto('isolated_objects')
        .values(
          batch.map(([id, isolation]) => ({
            connection_id: connectionId,
            kind,
            id,
            reason: isolation.reason,
            run_id: read.runId,
            first_seen_at: read.now,
            last_seen_at: read.now,
          })),
        )
        // Since when it is isolated stays; why, by which run and when last seen follow the latest read.
        .onConflict((oc) =>
          oc.columns(['connection_id', 'kind', 'id']).doUpdateSet((eb) => ({
            reason: eb.ref('excluded.reason'),
            run_id: eb.ref('excluded.run_id'),
            last_seen_at: eb.ref('excluded.last_seen_at'),
          })),
        )
        .execute();
    }
  }

  /** Deletes the rows of `ids`; returns how many there were. */
  private async forget(connectionId: string, kind: IsolatedObjectKind, ids: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const batch of chunk(ids, BATCH)) {
      const result = await this.db
        .deleteFrom('isolated_objects')
        .where('connection_id', '=', connectionId)
        .where('kind', '=', kind)
        .where('id', 'in', batch)
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }
}
