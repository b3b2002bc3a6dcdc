import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** What a run that read no change compares itself with to skip planning (see `src/sync/run-sync.ts`). */
export interface NoopBasis {
  /** Digest of the settings that shape the plan. */
  readonly basis: string;
  /** The connection's state revision when that run planned nothing and wrote nothing. */
  readonly revision: number;
}

/**
 * The connection's state revision (kept by database triggers on app state, invites, the outbox and held plans, so
 * every writer counts, a CLI command or a person with a SQL prompt alike) and the no-op basis stored with it.
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

  async store(connectionId: string, basis: NoopBasis): Promise<void> {
    await this.db
      .updateTable('connections')
      .set({ noop_basis: basis.basis, noop_revision: basis.revision })
      .where('id', '=', connectionId)
      .execute();
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
