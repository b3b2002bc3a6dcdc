import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRepository, type OutboxEntry } from '../../src/store/outbox-repository.js';
import { AttemptMarker, type AttemptStore } from '../../src/sync/attempt-marker.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { userCreateOps } from '../support/user-create-ops.js';

const NOW = '2026-12-07T10:00:00.000Z';
const now = () => NOW;

describe.each(DIALECTS)('AttemptMarker (%s)', (dialect) => {
  let database: TestDatabase;
  let outbox: OutboxRepository;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'attempt_marker');
    outbox = new OutboxRepository(database.db);
  });
  afterAll(async () => {
    await database.destroy();
  });

  /** Ten pending user creates for a fresh connection. */
  const enqueue = async (connectionId: string): Promise<readonly OutboxEntry[]> => {
    const ops = userCreateOps(10, { invite: false });
    const { entries } = await outbox.enqueuePlan(connectionId, `run-${connectionId}`, ops, NOW, { holds: new Map() });
    return entries;
  };
  const attempts = async (entries: readonly OutboxEntry[]): Promise<number[]> => {
    const rows = await database.db
      .selectFrom('ops')
      .select(['id', 'attempts'])
      .where(
        'id',
        'in',
        entries.map((entry) => entry.id),
      )
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row.attempts]));
    return entries.map((entry) => byId.get(entry.id) ?? -1);
  };
  /** The outbox, counting its statements. */
  const counted = (): AttemptStore & { marks: number } => {
    const store = {
      marks: 0,
      markAttempts: (ids: readonly string[], at: string) => {
        store.marks++;
        return outbox.markAttempts(ids, at);
      },
      unmarkAttempts: (ids: readonly string[], at: string) => outbox.unmarkAttempts(ids, at),
    };
    return store;
  };

  it('marks the op about to be sent and the window after it in one statement, each op once', async () => {
    const entries = await enqueue('window');
    const store = counted();
    const marker = new AttemptMarker(entries, store, now, 4);
    await marker.mark(entries[0] as OutboxEntry);
    expect(await attempts(entries)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    // Concurrent sends of the window wait for the same statement; the next one marks the next window.
    await Promise.all(entries.slice(1, 5).map((entry) => marker.mark(entry)));
    expect(await attempts(entries)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(store.marks).toBe(2);
  });

  it('marks each op once whatever order the sends ask in, and keeps nothing to release once all were sent', async () => {
    const entries = await enqueue('any-order');
    const unmarked: string[][] = [];
    const store: AttemptStore = {
      markAttempts: (ids, at) => outbox.markAttempts(ids, at),
      unmarkAttempts: (ids, at) => {
        unmarked.push([...ids]);
        return outbox.unmarkAttempts(ids, at);
      },
    };
    const marker = new AttemptMarker(entries, store, now, 4);
    // A later op asks first (its earlier ones were slower to get there), then the rest, some at once.
    for (const index of [5, 2, 0, 9]) await marker.mark(entries[index] as OutboxEntry);
    await Promise.all([1, 3, 4, 6, 7, 8].map((index) => marker.mark(entries[index] as OutboxEntry)));
    expect(await attempts(entries)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    await marker.release();
    expect(unmarked).toEqual([]);
  });

  it('release takes back the marks of ops that were not sent (a stop, a skip), and only those', async () => {
    const entries = await enqueue('release');
    const marker = new AttemptMarker(entries, outbox, now, 4);
    await marker.mark(entries[0] as OutboxEntry);
    await marker.mark(entries[2] as OutboxEntry);
    await marker.release();
    expect(await attempts(entries)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    // Releasing again changes nothing.
    await marker.release();
    expect(await attempts(entries)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('keeps the attempts of earlier runs: a resumed op marked ahead and not sent goes back to its count', async () => {
    const entries = await enqueue('resumed');
    await outbox.markAttempts([entries[1]?.id ?? ''], NOW);
    const marker = new AttemptMarker(entries, outbox, now, 3);
    await marker.mark(entries[0] as OutboxEntry);
    expect(await attempts(entries.slice(0, 3))).toEqual([1, 2, 1]);
    await marker.release();
    expect(await attempts(entries.slice(0, 3))).toEqual([1, 1, 0]);
  });

  it('a mark the database refuses fails the sends waiting on it, and release unmarks nothing of it', async () => {
    const entries = await enqueue('refused');
    let refuse = true;
    const store: AttemptStore = {
      markAttempts: (ids, at) => (refuse ? Promise.reject(new Error('disk full')) : outbox.markAttempts(ids, at)),
      unmarkAttempts: (ids, at) => outbox.unmarkAttempts(ids, at),
    };
    const marker = new AttemptMarker(entries, store, now, 4);
    const results = await Promise.allSettled(entries.slice(0, 2).map((entry) => marker.mark(entry)));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    refuse = false;
    await marker.mark(entries[4] as OutboxEntry);
    await marker.release();
    expect(await attempts(entries)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  });
});
