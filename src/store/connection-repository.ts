import type { Kysely, Selectable } from 'kysely';
import { NOT_QUARANTINED, sameQuarantineState, type QuarantineState } from '../core/quarantine.js';
import type { ConnectionsTable, Database } from './database.js';

export interface ConnectionRecord {
  readonly id: string;
  readonly idp: string;
  readonly source: string;
  readonly lastFullReadAt: string | null;
  readonly quarantine: QuarantineState;
}

/** A read-modify-write that lost to a concurrent one this many times gives up (see `updateQuarantine`). */
const QUARANTINE_WRITE_ATTEMPTS = 5;

/** One row per customer connection: every other table is keyed by its id (multi-tenant by design). */
export class ConnectionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async ensure(id: string, idp: string, source: string, now: string): Promise<ConnectionRecord> {
    await this.db
      .insertInto('connections')
      .values({ id, idp, source, last_full_read_at: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ idp, source, updated_at: now }))
      .execute();
    const row = await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return recordOf(row);
  }

  async markFullRead(id: string, now: string): Promise<void> {
    await this.db
      .updateTable('connections')
      .set({ last_full_read_at: now, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async list(): Promise<ConnectionRecord[]> {
    const rows = await this.db.selectFrom('connections').selectAll().orderBy('id').execute();
    return rows.map(recordOf);
  }

  /** The stored connection, or undefined when it never ran. */
  async find(id: string): Promise<ConnectionRecord | undefined> {
    const row = await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : recordOf(row);
  }

  /** The connection's quarantine bookkeeping; a connection that never ran is not quarantined. */
  async quarantine(id: string): Promise<QuarantineState> {
    return (await this.find(id))?.quarantine ?? NOT_QUARANTINED;
  }

  /**
   * Applies `next` to the stored state and writes the result when it differs: a compare-and-set on the columns it
   * read, so a `resume` that lands between the read and the write is never overwritten with the older state (the
   * transition is computed again from what `resume` left). Returns the state before and after, or undefined when
   * the connection has no row.
   */
  async updateQuarantine(
    id: string,
    next: (state: QuarantineState) => QuarantineState,
    now: string,
  ): Promise<{ readonly before: QuarantineState; readonly after: QuarantineState } | undefined> {
    for (let attempt = 1; ; attempt++) {
      const before = (await this.find(id))?.quarantine;
      if (before === undefined) return undefined;
      const after = next(before);
      if (sameQuarantineState(before, after)) return { before, after };
      const until = before.until === null ? null : before.until.toISOString();
      const result = await this.db
        .updateTable('connections')
        .set({ ...columnsOf(after), updated_at: now })
        .where('id', '=', id)
        .where('failing_runs', '=', before.failingRuns)
        .where('quarantine_level', '=', before.level)
        .where((eb) => (until === null ? eb('quarantined_until', 'is', null) : eb('quarantined_until', '=', until)))
        .where((eb) =>
          before.reason === null ? eb('quarantine_reason', 'is', null) : eb('quarantine_reason', '=', before.reason),
        )
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return { before, after };
      if (attempt === QUARANTINE_WRITE_ATTEMPTS) {
        throw new Error(`the quarantine state of connection ${id} kept changing under ${attempt} writes`);
      }
    }
  }

  /**
   * `dirsync resume`: lifts the quarantine and forgets the failing runs, as a successful run would. Returns the
   * state it replaced, or undefined when the connection has no row.
   */
  async resume(id: string, now: string): Promise<QuarantineState | undefined> {
    return (await this.updateQuarantine(id, () => NOT_QUARANTINED, now))?.before;
  }

  /** How many connections are quarantined at `now` (the worker's gauge). */
  async countQuarantined(now: Date): Promise<number> {
    const row = await this.db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('quarantined_until', '>', now.toISOString())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function recordOf(row: Selectable<ConnectionsTable>): ConnectionRecord {
  return {
    id: row.id,
    idp: row.idp,
    source: row.source,
    lastFullReadAt: row.last_full_read_at,
    quarantine: {
      failingRuns: row.failing_runs,
      level: row.quarantine_level,
      until: row.quarantined_until === null ? null : new Date(row.quarantined_until),
      reason: row.quarantine_reason,
    },
  };
}

function columnsOf(state: QuarantineState) {
  return {
    failing_runs: state.failingRuns,
    quarantine_level: state.level,
    quarantined_until: state.until === null ? null : state.until.toISOString(),
    quarantine_reason: state.reason,
  };
}
