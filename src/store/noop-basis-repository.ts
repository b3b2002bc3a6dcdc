import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** What a run that read no change compares itself with to skip planning (see `src/sync/run-sync.ts`). */
export interface NoopBasis {
  /** Digest of the settings that shape the plan. */
  readonly basis: string;
  /** The connection's state revision when the run that stored it ended. */
  readonly revision: number;
}

/**
 * The connection's state revision (kept by database triggers on app state, invites, the outbox and held plans, so
 * every writer counts, a CLI command or a person with a SQL prompt alike), the part of it made by the run holding
 * the connection's lease (migration run-writes), and the no-op basis stored with it.
 */
export class NoopBasisRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async stateRevision(connectionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('connections')
      .select('state_revision')
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return row?.state_revision ?? 0;
  }

  /**
   * How many writes (SQLite: rows; PostgreSQL: transactions) to the connection's state were made by anyone but the
   * run holding its lease, ever: it only grows, and a run that sees it unchanged knows nobody else wrote meanwhile.
   */
  async writesByOthers(connectionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('connections')
      .select(['state_revision', 'run_revision'])
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return row === undefined ? 0 : row.state_revision - row.run_revision;
  }

  /** The stored basis with the current state revision; undefined when none is stored. */
  async load(connectionId: string): Promise<(NoopBasis & { readonly current: number }) | undefined> {
    const row = await this.db
      .selectFrom('connections')
      .select(['noop_basis', 'noop_revision', 'state_revision'])
      .where('id', '=', connectionId)
      .executeTakeFirst();
    if (row?.noop_basis == null || row.noop_revision === null) return undefined;
    return { basis: row.noop_basis, revision: row.noop_revision, current: row.state_revision };
  }

  /**
   * Stores `basis` with the state revision as it is now, in one statement, only while run `runId` holds the
   * connection's lease and nobody else wrote to the connection's state since `writesByOthers` answered
   * `othersBefore`: the run's own writes are the ones it knows the effect of, and "own" means the lease holder's
   * (a run that lost the lease meanwhile stores nothing). Returns whether it stored. On PostgreSQL an unfinished
   * commit of another writer holds the row, and the condition is checked again on the row it leaves.
   */
  async storeUnlessOthersWrote(
    connectionId: string,
    runId: string,
    basis: string,
    othersBefore: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('connections')
      .set((eb) => ({ noop_basis: basis, noop_revision: eb.ref('state_revision') }))
      .where('id', '=', connectionId)
      .where((eb) => eb(eb('state_revision', '-', eb.ref('run_revision')), '=', othersBefore))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('connection_leases')
            .select('run_id')
            .where('connection_leases.connection_id', '=', connectionId)
            .where('connection_leases.run_id', '=', runId),
        ),
      )
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Forgets the basis: the next run plans. */
  async clear(connectionId: string): Promise<void> {
    await this.db
      .updateTable('connections')
      .set({ noop_basis: null, noop_revision: null })
      .where('id', '=', connectionId)
      .execute();
  }
}
