import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/database.js';

/** Whether the run skipped planning (the no-op fast path), as its row's summary says. */
export async function planSkipped(db: Kysely<Database>, runId: string): Promise<boolean> {
  const row = await db.selectFrom('runs').select('summary').where('id', '=', runId).executeTakeFirstOrThrow();
  return (JSON.parse(row.summary ?? '{}') as { planSkipped?: boolean }).planSkipped === true;
}
