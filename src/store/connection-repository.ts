import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface ConnectionRecord {
  readonly id: string;
  readonly idp: string;
  readonly source: string;
  readonly lastFullReadAt: string | null;
}

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
    return { id: row.id, idp: row.idp, source: row.source, lastFullReadAt: row.last_full_read_at };
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
    return rows.map((row) => ({ id: row.id, idp: row.idp, source: row.source, lastFullReadAt: row.last_full_read_at }));
  }
}
