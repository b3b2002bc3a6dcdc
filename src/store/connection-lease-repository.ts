import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { ConnectionLeasesTable, Database } from './database.js';
import { databaseNow } from './database-now.js';

/** Who holds a connection's lease, and until when unless they renew it. */
export interface LeaseHolder {
  readonly connectionId: string;
  readonly runId: string;
  /** Who holds it, for people: e.g. `cli pid 4242 on host-a` or `worker pid 17 on host-b, job 123`. */
  readonly owner: string;
  /** ISO-8601, by the database's clock. */
  readonly acquiredAt: string;
  /** ISO-8601, by the database's clock. */
  readonly expiresAt: string;
}

export type LeaseAttempt = { readonly acquired: true } | { readonly acquired: false; readonly heldBy: LeaseHolder };

// acquire retries when the holder it lost to is gone before it could read who that was (released in between).
const ACQUIRE_ATTEMPTS = 5;

/**
 * One run per connection at a time, whoever starts it: a lease row per connection, taken by compare-and-set and
 * kept by renewing it before it expires. Every expiry is computed by the database's clock (see databaseNow), so
 * a process with a wrong clock can neither take a lease early nor stretch its own, and a killed holder's lease
 * lapses on its own after its ttl.
 */
export class ConnectionLeaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes the connection's lease for `ttlMs` if it is free, expired, or already held by this same `runId` (so a
   * retry after a lost answer does not find itself busy; the original `acquiredAt` is kept). One atomic statement:
   * of any number of processes racing, exactly one gets it. Otherwise returns who holds it.
   */
  async acquire(connectionId: string, holder: { runId: string; owner: string; ttlMs: number }): Promise<LeaseAttempt> {
    for (let attempt = 1; attempt <= ACQUIRE_ATTEMPTS; attempt++) {
      if (await this.tryAcquire(connectionId, holder)) return { acquired: true };
      const heldBy = await this.current(connectionId);
      if (heldBy !== null) return { acquired: false, heldBy };
    }
    throw new Error(
      `could not take the lease on connection ${connectionId}: ` +
        `it changed hands ${ACQUIRE_ATTEMPTS} times while we tried, each time released before we could see by whom`,
    );
  }

  /**
   * Extends our lease to `ttlMs` from now. False when the lease is no longer ours: released, or expired and
   * taken by another run. A lease that expired but that nobody took is still ours and is renewed.
   */
  async renew(connectionId: string, runId: string, ttlMs: number): Promise<boolean> {
    const now = databaseNow(this.db);
    const result = await this.db
      .updateTable('connection_leases')
      .set({ expires_at_ms: expiresIn(now.epochMs, ttlMs), renewed_at: now.iso })
      .where('connection_id', '=', connectionId)
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Gives the lease up: deletes the row only if `runId` still holds it, so a late release never frees another's. */
  async release(connectionId: string, runId: string): Promise<void> {
    await this.db
      .deleteFrom('connection_leases')
      .where('connection_id', '=', connectionId)
      .where('run_id', '=', runId)
      .execute();
  }

  /** The connection's holder, or null when it is free or its lease has expired. */
  async current(connectionId: string): Promise<LeaseHolder | null> {
    const row = await this.db
      .selectFrom('connection_leases')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('expires_at_ms', '>=', databaseNow(this.db).epochMs)
      .executeTakeFirst();
    return row === undefined ? null : toHolder(row);
  }

  /** Every unexpired lease, by connection id (for `status`). */
  async listHeld(): Promise<LeaseHolder[]> {
    const rows = await this.db
      .selectFrom('connection_leases')
      .selectAll()
      .where('expires_at_ms', '>=', databaseNow(this.db).epochMs)
      .orderBy('connection_id')
      .execute();
    return rows.map(toHolder);
  }

  // INSERT … ON CONFLICT DO UPDATE … WHERE <expired or ours>: the database serialises racing statements on the
  // row, and the WHERE is checked against the row as the winner left it. RETURNING yields a row only when we
  // inserted or updated it, i.e. when we hold the lease now.
  private async tryAcquire(
    connectionId: string,
    holder: { runId: string; owner: string; ttlMs: number },
  ): Promise<boolean> {
    const now = databaseNow(this.db);
    const row = await this.db
      .insertInto('connection_leases')
      .values({
        connection_id: connectionId,
        run_id: holder.runId,
        owner: holder.owner,
        acquired_at: now.iso,
        expires_at_ms: expiresIn(now.epochMs, holder.ttlMs),
        renewed_at: now.iso,
      })
      .onConflict((oc) =>
        oc
          .column('connection_id')
          .doUpdateSet((eb) => ({
            run_id: eb.ref('excluded.run_id'),
            owner: eb.ref('excluded.owner'),
            acquired_at: eb
              .case()
              .when('connection_leases.run_id', '=', eb.ref('excluded.run_id'))
              .then(eb.ref('connection_leases.acquired_at'))
              .else(eb.ref('excluded.acquired_at'))
              .end(),
            expires_at_ms: eb.ref('excluded.expires_at_ms'),
            renewed_at: eb.ref('excluded.renewed_at'),
          }))
          .where((eb) =>
            eb.or([
              eb('connection_leases.expires_at_ms', '<', now.epochMs),
              eb('connection_leases.run_id', '=', eb.ref('excluded.run_id')),
            ]),
          ),
      )
      .returning('run_id')
      .executeTakeFirst();
    return row !== undefined;
  }
}

function expiresIn(epochMs: RawBuilder<number>, ttlMs: number): RawBuilder<number> {
  return sql<number>`${epochMs} + ${Math.round(ttlMs)}`;
}

function toHolder(row: Selectable<ConnectionLeasesTable>): LeaseHolder {
  return {
    connectionId: row.connection_id,
    runId: row.run_id,
    owner: row.owner,
    acquiredAt: row.acquired_at,
    // bigint: pg returns it as a string, better-sqlite3 as a number.
    expiresAt: new Date(Number(row.expires_at_ms)).toISOString(),
  };
}
