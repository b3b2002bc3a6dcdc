import type { Kysely } from 'kysely';
import type { OpHold } from '../core/planner/op-hold.js';
import type { Database, OpStatus } from './database.js';
import { parseStoredHold } from './stored-op-hold.js';

/** An op as `approve <op-key>` finds it: the latest row of that key. */
export interface StoredOpState {
  readonly connectionId: string;
  readonly key: string;
  readonly kind: string;
  readonly subject: string;
  readonly status: OpStatus;
  readonly hold: OpHold | null;
  readonly approvedAt: string | null;
}

/** Approvals of single held ops (a recycled identity, a confusable login): `dirsync approve <op-key>`. */
export class HeldOpRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The latest row of `key` in the outbox, whatever its status; undefined when no run ever planned it. */
  async find(key: string): Promise<StoredOpState | undefined> {
    const row = await this.db
      .selectFrom('ops')
      .select(['connection_id', 'key', 'kind', 'subject', 'status', 'hold', 'approved_at'])
      .where('key', '=', key)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      connectionId: row.connection_id,
      key: row.key,
      kind: row.kind,
      subject: row.subject,
      status: row.status,
      hold: parseStoredHold(row.hold),
      approvedAt: row.approved_at,
    };
  }

  /** Marks the held rows of `key` approved; the next run applies the op on purpose. Returns whether one was held. */
  async approve(key: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('ops')
      .set({ approved_at: now, updated_at: now })
      .where('key', '=', key)
      .where('status', '=', 'held')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
