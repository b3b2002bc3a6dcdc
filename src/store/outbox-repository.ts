import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Insertable, Kysely } from 'kysely';
import { enqueueDecision, type OpenOpStatus, type StoredOpState } from '../core/enqueue-decision.js';
import type { AfterFailure } from '../core/op-retry-policy.js';
import type { OpHold } from '../core/planner/op-hold.js';
import type { Op } from '../core/planner/op.js';
import { opSubject } from '../core/planner/op.js';
import { chunk } from './chunk.js';
import { CompiledStatement } from './compiled-statement.js';
import { MultiRowInsert } from './multi-row-insert.js';
import type { Database, OpStatus, OpsTable } from './database.js';
import { parseStoredHold } from './stored-op-hold.js';

/** Op ids per `IN (…)`: under every dialect's bind-parameter limit. */
const ID_CHUNK = 400;

/** Rows per INSERT of the outbox (14 values each: under every dialect's bind-parameter limit). */
const ROWS_PER_INSERT = 200;

/** A new op's row: every insert has the same columns (SQLite takes no DEFAULT in a multi-row VALUES). */
type NewOpRow = Pick<
  Insertable<OpsTable>,
  | 'id'
  | 'connection_id'
  | 'run_id'
  | 'key'
  | 'kind'
  | 'subject'
  | 'position'
  | 'payload'
  | 'status'
  | 'attempts'
  | 'last_error'
  | 'created_at'
  | 'updated_at'
  | 'hold'
>;

/** An op about to be sent (and those marked with it): compiled once per number of ids. */
const MARK_ATTEMPTS = new CompiledStatement<{ readonly ids: readonly string[]; readonly now: string }>(
  (db, slot) =>
    db
      .updateTable('ops')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: slot.value('now') }))
      .where('id', 'in', slot.list('ids')),
  ({ ids }) => ({ ids: ids.length }),
);

/** Ops applied (a group commit), compiled once per number of ids. */
const FINISH_APPLIED = new CompiledStatement<{ readonly ids: readonly string[]; readonly now: string }>(
  (db, slot) =>
    db
      .updateTable('ops')
      .set({ status: 'applied', last_error: null, next_attempt_at: null, updated_at: slot.value('now') })
      .where('id', 'in', slot.list('ids')),
  ({ ids }) => ({ ids: ids.length }),
);

const NEW_OPS = new MultiRowInsert<NewOpRow>(
  [
    'id',
    'connection_id',
    'run_id',
    'key',
    'kind',
    'subject',
    'position',
    'payload',
    'status',
    'attempts',
    'last_error',
    'created_at',
    'updated_at',
    'hold',
  ],
  (db, rows) => db.insertInto('ops').values(rows),
);

/** An op to attempt in this run. `attempts > 0` means an earlier run may have reached the app with it. */
export interface OutboxEntry {
  readonly id: string;
  readonly op: Op;
  readonly attempts: number;
  /** Failed attempts so far; the retry policy parks the op when they reach `DIRSYNC_MAX_OP_ATTEMPTS`. */
  readonly failures: number;
  /** `dirsync approve <op-key>` approved it: a create adopts the account it was held for, on purpose. */
  readonly approved: boolean;
}

/** A planned op this run does not attempt, and why (for the run's summary). */
export type NotAppliedOp =
  | { readonly why: 'held'; readonly op: Op; readonly hold: OpHold | null }
  | {
      readonly why: 'waiting';
      readonly op: Op;
      readonly failures: number;
      /** Not attempted before this time (ISO-8601). */
      readonly until: string;
      readonly lastError: string | null;
    }
  | { readonly why: 'parked'; readonly op: Op; readonly failures: number; readonly lastError: string | null };

export interface EnqueuedPlan {
  /** The ops to attempt, in plan order. */
  readonly entries: readonly OutboxEntry[];
  readonly notApplied: readonly NotAppliedOp[];
}

export interface EnqueueOptions {
  /** Holds known when planning (a recycled identity, a confusable login), by op key. */
  readonly holds: ReadonlyMap<string, OpHold>;
}

export interface FailedOp {
  readonly key: string;
  readonly kind: string;
  readonly subject: string;
  readonly error: string;
  /** This failure parked it (`DIRSYNC_MAX_OP_ATTEMPTS` reached); otherwise a later run retries it. */
  readonly parked: boolean;
}

export interface RetryResult {
  readonly retried: readonly string[];
  /** Keys with no failed or parked op, with the status of their latest op (null: no op has that key). */
  readonly refused: readonly { readonly key: string; readonly status: string | null }[];
}

const OPEN_STATUSES: readonly OpenOpStatus[] = ['pending', 'failed', 'held', 'parked', 'unsupported'];
const RETRYABLE: readonly OpStatus[] = ['failed', 'parked'];

function isOpen(status: OpStatus): status is OpenOpStatus {
  return (OPEN_STATUSES as readonly OpStatus[]).includes(status);
}

/**
 * The outbox (`ops`): every planned write is stored before it is attempted, and marked applied in the same
 * transaction that records its effect on the known app state. An op keeps one row for its whole life: planned
 * again (after a crash, a failure, a hold) it takes over the open row of its key, with its attempts and failures.
 */
export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a run's plan and says which ops to attempt (see `enqueueDecision`): the latest open row of each
   * planned key decides; open rows of keys no longer planned (and older duplicates) become `superseded`.
   * Set-based: a few statements per 200 ops, whatever the plan's size. Call it inside a transaction.
   */
  async enqueuePlan(
    connectionId: string,
    runId: string,
    ops: readonly Op[],
    now: string,
    options: EnqueueOptions,
  ): Promise<EnqueuedPlan> {
    const nowMs = Date.parse(now);
    const open = await this.db
      .selectFrom('ops')
      .select([
        'id',
        'key',
        'status',
        'attempts',
        'failures',
        'approved_at',
        'next_attempt_at',
        'last_error',
        'hold',
        'created_at',
        'updated_at',
      ])
      .where('connection_id', '=', connectionId)
      .where('status', 'in', OPEN_STATUSES)
      .execute();
    type OpenRow = (typeof open)[number];
    const planned = new Set(ops.map((op) => op.key));
    const latest = new Map<string, OpenRow>();
    const stale: string[] = [];
    for (const row of open) {
      if (!planned.has(row.key)) {
        stale.push(row.id);
        continue;
      }
      const other = latest.get(row.key);
      if (other === undefined) latest.set(row.key, row);
      else {
        const newer = row.updated_at > other.updated_at || (row.updated_at === other.updated_at && row.id > other.id);
        stale.push(newer ? other.id : row.id);
        if (newer) latest.set(row.key, row);
      }
    }
    for (const ids of chunk(stale, 400)) {
      await this.db.updateTable('ops').set({ status: 'superseded', updated_at: now }).where('id', 'in', ids).execute();
    }
    const parkedPayloads = await this.#payloads([...latest.values()].filter((row) => row.status === 'parked'));

    const entries: OutboxEntry[] = [];
    const notApplied: NotAppliedOp[] = [];
    // New ops are plain inserts (the columns a new row needs); taken-over rows are upserted by id. Both are written
    // a batch at a time as the loop makes them: at 100 000 users the rows of every op at once, payloads included,
    // were tens of megabytes more at the run's largest moment.
    let inserts: NewOpRow[] = [];
    let takeovers: Insertable<OpsTable>[] = [];
    for (const [position, op] of ops.entries()) {
      const row = latest.get(op.key);
      const stored: StoredOpState | undefined =
        row === undefined || !isOpen(row.status)
          ? undefined
          : {
              status: row.status,
              approved: row.approved_at !== null,
              nextAttemptAtMs: row.next_attempt_at === null ? null : Date.parse(row.next_attempt_at),
              payloadChanged: row.status === 'parked' && payloadChanged(parkedPayloads.get(row.id), op),
            };
      const decision = enqueueDecision(stored, options.holds.get(op.key), nowMs);
      const base = {
        id: row?.id ?? randomUUID(),
        connection_id: connectionId,
        run_id: runId,
        key: op.key,
        kind: op.kind,
        subject: opSubject(op),
        position,
        payload: JSON.stringify(op),
        status: 'pending',
        attempts: row?.attempts ?? 0,
        last_error: row?.last_error ?? null,
        created_at: row?.created_at ?? now,
        updated_at: now,
        hold: row?.hold ?? null,
      } satisfies Insertable<OpsTable>;
      // Every insert has the same columns (SQLite takes no DEFAULT in a multi-row VALUES): a new row's failures,
      // approval and wait are the columns' defaults.
      const write = (values: Pick<Insertable<OpsTable>, 'status' | 'hold' | 'last_error' | 'failures'>) => {
        const { failures, ...rest } = values;
        if (row === undefined) inserts.push({ ...base, ...rest });
        else takeovers.push({ ...base, ...rest, approved_at: row.approved_at, failures, next_attempt_at: null });
      };
      switch (decision.action) {
        case 'apply': {
          const failures = decision.resetFailures ? 0 : (row?.failures ?? 0);
          write({ status: 'pending', hold: base.hold, last_error: base.last_error, failures });
          entries.push({ id: base.id, op, attempts: row?.attempts ?? 0, failures, approved: decision.approved });
          break;
        }
        case 'hold':
          if (decision.hold === null) {
            notApplied.push({ why: 'held', op, hold: parseStoredHold(row?.hold ?? null) });
          } else {
            const hold = JSON.stringify(decision.hold);
            write({ status: 'held', hold, last_error: decision.hold.message, failures: row?.failures ?? 0 });
            notApplied.push({ why: 'held', op, hold: decision.hold });
          }
          break;
        case 'wait':
          notApplied.push({
            why: 'waiting',
            op,
            failures: row?.failures ?? 0,
            until: new Date(decision.untilMs).toISOString(),
            lastError: row?.last_error ?? null,
          });
          break;
        case 'park':
          notApplied.push({ why: 'parked', op, failures: row?.failures ?? 0, lastError: row?.last_error ?? null });
          break;
      }
      if (inserts.length === ROWS_PER_INSERT) {
        await NEW_OPS.execute(this.db, inserts);
        inserts = [];
      }
      if (takeovers.length === ROWS_PER_INSERT) {
        await this.#takeOver(takeovers);
        takeovers = [];
      }
    }
    await NEW_OPS.execute(this.db, inserts);
    await this.#takeOver(takeovers);
    return { entries, notApplied };
  }

  /** Rewrites taken-over rows by id; a taken-over row keeps its attempts, approval and creation time. */
  async #takeOver(rows: readonly Insertable<OpsTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('ops')
      .values(rows)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          run_id: eb.ref('excluded.run_id'),
          position: eb.ref('excluded.position'),
          payload: eb.ref('excluded.payload'),
          status: eb.ref('excluded.status'),
          last_error: eb.ref('excluded.last_error'),
          hold: eb.ref('excluded.hold'),
          failures: eb.ref('excluded.failures'),
          next_attempt_at: eb.ref('excluded.next_attempt_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async #payloads(rows: readonly { readonly id: string }[]): Promise<Map<string, string>> {
    const payloads = new Map<string, string>();
    for (const ids of chunk(
      rows.map((row) => row.id),
      400,
    )) {
      const found = await this.db.selectFrom('ops').select(['id', 'payload']).where('id', 'in', ids).execute();
      for (const row of found) payloads.set(row.id, row.payload);
    }
    return payloads;
  }

  /** Committed before the write reaches the app, so a crash afterwards is known to the next run. */
  /** Marks ops attempted: each is about to be sent (see `AttemptMarker`). */
  async markAttempts(ids: readonly string[], now: string): Promise<void> {
    for (const part of chunk(ids, ID_CHUNK)) await MARK_ATTEMPTS.execute(this.db, { ids: part, now });
  }

  /** Takes back marks of ops that were not sent after all. */
  async unmarkAttempts(ids: readonly string[], now: string): Promise<void> {
    for (const part of chunk(ids, ID_CHUNK)) {
      await this.db
        .updateTable('ops')
        .set((eb) => ({ attempts: eb('attempts', '-', 1), updated_at: now }))
        .where('id', 'in', part)
        .where('attempts', '>', 0)
        .execute();
    }
  }

  /** `applied`, `skipped` (with why), `unsupported` (with the reason). */
  async finish(
    id: string,
    status: 'applied' | 'skipped' | 'unsupported',
    note: string | null,
    now: string,
  ): Promise<void> {
    await this.db
      .updateTable('ops')
      .set({ status, last_error: note, next_attempt_at: null, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Many ops applied at once (a group commit; see `AppliedJournal`). */
  async finishApplied(ids: readonly string[], now: string): Promise<void> {
    for (const batch of chunk(ids, 500)) await FINISH_APPLIED.execute(this.db, { ids: batch, now });
  }

  /** The op failed once more (`afterFailure` decided what becomes of it); `error` is the app's answer. */
  async fail(id: string, after: AfterFailure, error: string, now: string): Promise<void> {
    await this.db
      .updateTable('ops')
      .set({
        status: after.status,
        failures: after.failures,
        next_attempt_at: after.status === 'failed' ? new Date(after.nextAttemptAtMs).toISOString() : null,
        last_error: error,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  /** The target found the op would take over someone else's account: it waits for `dirsync approve <op-key>`. */
  async hold(id: string, hold: OpHold, now: string): Promise<void> {
    await this.db
      .updateTable('ops')
      .set({ status: 'held', hold: JSON.stringify(hold), last_error: hold.message, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /**
   * `dirsync retry`: failed and parked ops of these keys (`all`: every one of the connection) become pending with
   * no failures and no wait, so the next run attempts them. Changes nothing when a key has no failed or parked op.
   */
  async retry(connectionId: string, keys: readonly string[] | 'all', now: string): Promise<RetryResult> {
    const wanted = keys === 'all' ? null : [...new Set(keys)];
    const found = new Set<string>();
    for (const batch of wanted === null ? [null] : chunk(wanted, 400)) {
      let query = this.db
        .selectFrom('ops')
        .select('key')
        .where('connection_id', '=', connectionId)
        .where('status', 'in', RETRYABLE);
      if (batch !== null) query = query.where('key', 'in', batch);
      for (const row of await query.execute()) found.add(row.key);
    }
    const missing = wanted?.filter((key) => !found.has(key)) ?? [];
    if (missing.length > 0) return { retried: [], refused: await this.#latestStatuses(connectionId, missing) };
    const retried = [...found];
    for (const batch of chunk(retried, 400)) {
      await this.db
        .updateTable('ops')
        .set({ status: 'pending', failures: 0, next_attempt_at: null, updated_at: now })
        .where('connection_id', '=', connectionId)
        .where('status', 'in', RETRYABLE)
        .where('key', 'in', batch)
        .execute();
    }
    return { retried, refused: [] };
  }

  async #latestStatuses(connectionId: string, keys: readonly string[]): Promise<RetryResult['refused']> {
    const latest = new Map<string, { status: string; updatedAt: string }>();
    for (const batch of chunk(keys, 400)) {
      const rows = await this.db
        .selectFrom('ops')
        .select(['key', 'status', 'updated_at'])
        .where('connection_id', '=', connectionId)
        .where('key', 'in', batch)
        .execute();
      for (const row of rows) {
        const seen = latest.get(row.key);
        if (seen === undefined || row.updated_at > seen.updatedAt) {
          latest.set(row.key, { status: row.status, updatedAt: row.updated_at });
        }
      }
    }
    return keys.map((key) => ({ key, status: latest.get(key)?.status ?? null }));
  }

  /** Ops that failed in this run (parked by this failure or waiting for their retry). */
  async failedInRun(runId: string): Promise<FailedOp[]> {
    const rows = await this.db
      .selectFrom('ops')
      .select(['key', 'kind', 'subject', 'last_error', 'status'])
      .where('run_id', '=', runId)
      .where('status', 'in', ['failed', 'parked'])
      .orderBy('position')
      .execute();
    return rows.map((row) => ({
      key: row.key,
      kind: row.kind,
      subject: row.subject,
      error: row.last_error ?? '',
      parked: row.status === 'parked',
    }));
  }

  /**
   * The connection's ops counted by status; only `statuses` when given, which reads only their entries of the
   * (connection, status) index, not the hundreds of thousands of applied ops a large connection keeps.
   */
  async countByStatus(
    connectionId: string,
    statuses?: readonly OpStatus[],
  ): Promise<Partial<Record<OpStatus, number>>> {
    const rows = await this.db
      .selectFrom('ops')
      .select((eb) => ['status', eb.fn.countAll<string | number>().as('n')])
      .where('connection_id', '=', connectionId)
      .$if(statuses !== undefined, (query) => query.where('status', 'in', statuses ?? []))
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Compared as data, not as text: the stored JSON and a fresh `JSON.stringify` need not list keys in one order.
function payloadChanged(stored: string | undefined, op: Op): boolean {
  if (stored === undefined) return true;
  return !isDeepStrictEqual(parsePayload(stored), JSON.parse(JSON.stringify(op)));
}
