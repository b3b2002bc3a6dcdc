import type { Kysely } from 'kysely';
import type { Database, RunStatus } from './database.js';

export type RunTrigger = 'cli' | 'schedule' | 'manual';
export type RunMode = 'full' | 'incremental';

export interface RunRecord {
  readonly id: string;
  readonly connectionId: string;
  readonly trigger: RunTrigger;
  readonly mode: RunMode;
  readonly dryRun: boolean;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** JSON summary (counts, failures) as the CLI printed it. */
  readonly summary: unknown;
  readonly error: string | null;
}

/** One row per sync run: when, how, and how it ended (with the reason when it failed). */
export class RunRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async start(run: {
    id: string;
    connectionId: string;
    trigger: RunTrigger;
    mode: RunMode;
    dryRun: boolean;
    now: string;
  }): Promise<void> {
    await this.db
      .insertInto('runs')
      .values({
        id: run.id,
        connection_id: run.connectionId,
        trigger: run.trigger,
        mode: run.mode,
        dry_run: run.dryRun ? 1 : 0,
        status: 'running',
        started_at: run.now,
        finished_at: null,
        summary: null,
        error: null,
      })
      .execute();
  }

  /**
   * Runs of this connection still marked running belong to a process that died (one run per connection at a
   * time): they are closed as failed so `status` does not show them running forever.
   */
  async closeAbandoned(connectionId: string, now: string): Promise<number> {
    const result = await this.db
      .updateTable('runs')
      .set({
        status: 'failed',
        finished_at: now,
        error: 'abandoned: the process running it stopped (killed or crashed)',
      })
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async finish(
    id: string,
    mode: RunMode,
    status: RunStatus,
    summary: unknown,
    error: string | null,
    now: string,
  ): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ mode, status, finished_at: now, summary: JSON.stringify(summary), error })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Whether a run that started at or after `since` has ended without failing (a full one when `full`):
   * a trigger is served by any such run, so triggers that piled up during a run coalesce into one follow-up.
   */
  async servedSince(connectionId: string, since: string, full: boolean): Promise<boolean> {
    let query = this.servedRuns(connectionId).where('started_at', '>=', since);
    if (full) query = query.where('mode', '=', 'full');
    return (await query.limit(1).executeTakeFirst()) !== undefined;
  }

  /** Whether any run of the connection got as far as planning (a quiet first sync waits for the first one). */
  async hasServed(connectionId: string): Promise<boolean> {
    return (await this.servedRuns(connectionId).limit(1).executeTakeFirst()) !== undefined;
  }

  /** Runs that planned for real (not dry runs), whatever they then applied. */
  private servedRuns(connectionId: string) {
    return this.db
      .selectFrom('runs')
      .select('id')
      .where('connection_id', '=', connectionId)
      .where('dry_run', '=', 0)
      .where('status', 'in', ['succeeded', 'partial', 'held']);
  }

  async latest(connectionId: string, limit: number): Promise<RunRecord[]> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .orderBy('started_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      connectionId: row.connection_id,
      trigger: row.trigger === 'schedule' || row.trigger === 'manual' ? row.trigger : 'cli',
      mode: row.mode === 'full' ? 'full' : 'incremental',
      dryRun: row.dry_run === 1,
      status: row.status,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      summary: row.summary === null ? null : (JSON.parse(row.summary) as unknown),
      error: row.error,
    }));
  }
}
