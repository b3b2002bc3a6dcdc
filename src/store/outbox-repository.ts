import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Op } from '../core/planner/op.js';
import { opSubject } from '../core/planner/op.js';
import { chunk } from './chunk.js';
import type { Database, OpStatus, OpsTable } from './database.js';

/** An op waiting in the outbox. `attempts > 0` means an earlier run may have reached the app with it. */
export interface OutboxEntry {
  readonly id: string;
  readonly op: Op;
  readonly attempts: number;
}

export interface FailedOp {
  readonly key: string;
  readonly kind: string;
  readonly subject: string;
  readonly error: string;
}

/**
 * The outbox (`ops`): every planned write is stored before it is attempted, and marked applied in the same
 * transaction that records its effect on the known app state. A re-planned op after a crash has the same key,
 * so it takes over the pending row and its attempt count.
 */
export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async enqueuePlan(connectionId: string, runId: string, ops: readonly Op[], now: string): Promise<OutboxEntry[]> {
    const pending = await this.db
      .selectFrom('ops')
      .select(['id', 'key', 'attempts'])
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'pending')
      .execute();
    const byKey = new Map(pending.map((row) => [row.key, row]));
    const planned = new Set(ops.map((op) => op.key));
    const stale = pending.filter((row) => !planned.has(row.key)).map((row) => row.id);
    for (const ids of chunk(stale, 400)) {
      await this.db.updateTable('ops').set({ status: 'superseded', updated_at: now }).where('id', 'in', ids).execute();
    }
    const entries: OutboxEntry[] = [];
    const inserts: Insertable<OpsTable>[] = [];
    for (const [position, op] of ops.entries()) {
      const existing = byKey.get(op.key);
      const payload = JSON.stringify(op);
      if (existing !== undefined) {
        await this.db
          .updateTable('ops')
          .set({ run_id: runId, position, payload, updated_at: now })
          .where('id', '=', existing.id)
          .execute();
        entries.push({ id: existing.id, op, attempts: existing.attempts });
        continue;
      }
      const id = randomUUID();
      inserts.push({
        id,
        connection_id: connectionId,
        run_id: runId,
        key: op.key,
        kind: op.kind,
        subject: opSubject(op),
        position,
        payload,
        status: 'pending',
        attempts: 0,
        last_error: null,
        created_at: now,
        updated_at: now,
      });
      entries.push({ id, op, attempts: 0 });
    }
    for (const batch of chunk(inserts, 200)) await this.db.insertInto('ops').values(batch).execute();
    return entries;
  }

  /** Committed before the write reaches the app, so a crash afterwards is known to the next run. */
  async markAttempt(id: string, now: string): Promise<void> {
    await this.db
      .updateTable('ops')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('id', '=', id)
      .execute();
  }

  async finish(id: string, status: Exclude<OpStatus, 'pending'>, error: string | null, now: string): Promise<void> {
    await this.db.updateTable('ops').set({ status, last_error: error, updated_at: now }).where('id', '=', id).execute();
  }

  async failedInRun(runId: string): Promise<FailedOp[]> {
    const rows = await this.db
      .selectFrom('ops')
      .select(['key', 'kind', 'subject', 'last_error'])
      .where('run_id', '=', runId)
      .where('status', '=', 'failed')
      .orderBy('position')
      .execute();
    return rows.map((row) => ({ key: row.key, kind: row.kind, subject: row.subject, error: row.last_error ?? '' }));
  }

  async countByStatus(connectionId: string): Promise<Partial<Record<OpStatus, number>>> {
    const rows = await this.db
      .selectFrom('ops')
      .select((eb) => ['status', eb.fn.countAll<string | number>().as('n')])
      .where('connection_id', '=', connectionId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }
}
