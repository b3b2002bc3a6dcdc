import type { Kysely } from 'kysely';
import { isQuarantined } from '../core/quarantine.js';
import { ConnectionRepository } from './connection-repository.js';
import type { Database, OpStatus } from './database.js';
import { MirrorRepository } from './mirror-repository.js';
import { OutboxRepository } from './outbox-repository.js';
import { RunRepository, type RunRecord } from './run-repository.js';

/** What `status` and `connections` show of one connection's stored state. */
export interface ConnectionOverview {
  readonly id: string;
  readonly directory: { readonly users: number; readonly activeUsers: number; readonly groups: number };
  readonly app: { readonly users: number; readonly activeUsers: number; readonly groups: number };
  readonly ops: Partial<Record<OpStatus, number>>;
  readonly lastFullReadAt: string | null;
  readonly runs: readonly RunRecord[];
  readonly quarantine: QuarantineOverview;
}

/** The connection's quarantine as `status` shows it (DESIGN "Safety" → Quarantine). */
export interface QuarantineOverview {
  /** Whether its scheduled runs are skipped now. */
  readonly quarantined: boolean;
  /** When the current (or the last) quarantine ends, ISO-8601; null when it was never quarantined since a success. */
  readonly until: string | null;
  readonly level: number;
  /** Why the last failing run failed. */
  readonly reason: string | null;
  /** Failing runs in a row since the last success or `resume`. */
  readonly failingRuns: number;
}

/** `now` decides whether a quarantine still runs; the caller's clock. */
export async function loadConnectionOverview(
  db: Kysely<Database>,
  id: string,
  runs = 5,
  now: Date = new Date(),
): Promise<ConnectionOverview> {
  const [directory, app, appGroups, ops, latest, connection] = await Promise.all([
    new MirrorRepository(db).counts(id),
    db
      .selectFrom('app_users')
      .select((eb) => [
        eb.fn.countAll<string | number>().as('n'),
        eb.fn.sum<string | number | null>('active').as('active'),
      ])
      .where('connection_id', '=', id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('app_groups')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('connection_id', '=', id)
      .executeTakeFirstOrThrow(),
    new OutboxRepository(db).countByStatus(id),
    new RunRepository(db).latest(id, runs),
    new ConnectionRepository(db).find(id),
  ]);
  const quarantine = connection?.quarantine;
  return {
    id,
    directory,
    app: { users: Number(app.n), activeUsers: Number(app.active ?? 0), groups: Number(appGroups.n) },
    ops,
    lastFullReadAt: connection?.lastFullReadAt ?? null,
    runs: latest,
    quarantine: {
      quarantined: quarantine !== undefined && isQuarantined(quarantine, now),
      until: quarantine?.until?.toISOString() ?? null,
      level: quarantine?.level ?? 0,
      reason: quarantine?.reason ?? null,
      failingRuns: quarantine?.failingRuns ?? 0,
    },
  };
}

/** Ids of every connection that has data in the database (synced at least once), configured or not. */
export async function storedConnectionIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('connections').select('id').orderBy('id').execute();
  return rows.map((row) => row.id);
}

/** Every table keyed by connection, for `connections remove --purge`. */
const CONNECTION_TABLES = [
  'idp_memberships',
  'idp_users',
  'idp_groups',
  'cursors',
  'app_memberships',
  'app_users',
  'app_groups',
  'ops',
  'invites',
  'runs',
  'held_plans',
  'isolated_objects',
] as const;

/** Deletes every row of one connection, in one transaction. Returns the rows deleted per table. */
export async function purgeConnection(db: Kysely<Database>, id: string): Promise<Record<string, number>> {
  return db.transaction().execute(async (trx) => {
    const deleted: Record<string, number> = {};
    for (const table of CONNECTION_TABLES) {
      const result = await trx.deleteFrom(table).where('connection_id', '=', id).executeTakeFirst();
      deleted[table] = Number(result.numDeletedRows);
    }
    await trx.deleteFrom('connection_leases').where('connection_id', '=', id).execute();
    const result = await trx.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
    deleted['connections'] = Number(result.numDeletedRows);
    return deleted;
  });
}
