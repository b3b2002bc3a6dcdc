import SqliteDatabase from 'better-sqlite3';

/** What a sync planned and applied, read from its SQLite database's outbox (the `ops` table). */
export interface OutboxCensus {
  /** Ops by kind and status, e.g. `user.create` → `applied` → 81 000. */
  readonly byKind: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly total: number;
  readonly applied: number;
  /** Invites planned (`invite.send` ops): the plan owes one to every active person it creates. */
  readonly invites: number;
  readonly userCreates: number;
  /** Members to add per group created, in the order the groups were planned (0: created without members). */
  readonly groupMembers: readonly number[];
}

/**
 * Reads the outbox of a bench's SQLite database, read-only (the CLI has exited): enough to size the write floor
 * and, for a run stopped at its time limit, to say how far it got.
 */
export function readOutboxCensus(path: string): OutboxCensus {
  const db = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT kind, status, count(*) AS n FROM ops GROUP BY kind, status').all() as {
      kind: string;
      status: string;
      n: number;
    }[];
    const byKind = new Map<string, Map<string, number>>();
    let total = 0;
    let applied = 0;
    for (const { kind, status, n } of rows) {
      const statuses = byKind.get(kind) ?? new Map<string, number>();
      statuses.set(status, n);
      byKind.set(kind, statuses);
      // Superseded ops were replanned under another key; counting them would count the same write twice.
      if (status !== 'superseded') total += n;
      if (status === 'applied') applied += n;
    }
    const planned = (kind: string) => {
      let n = 0;
      for (const [status, count] of byKind.get(kind) ?? []) if (status !== 'superseded') n += count;
      return n;
    };
    const members = db
      .prepare(
        "SELECT json_extract(payload, '$.groupExternalId') AS g, sum(json_array_length(payload, '$.userExternalIds')) AS n " +
          "FROM ops WHERE kind = 'members.add' AND status <> 'superseded' GROUP BY g",
      )
      .all() as { g: string; n: number }[];
    const membersOf = new Map(members.map((m) => [m.g, m.n]));
    const groups = db
      .prepare(
        "SELECT json_extract(payload, '$.externalId') AS g FROM ops WHERE kind = 'group.create' AND status <> 'superseded' ORDER BY position",
      )
      .all() as { g: string }[];
    return {
      byKind,
      total,
      applied,
      invites: planned('invite.send'),
      userCreates: planned('user.create'),
      groupMembers: groups.map(({ g }) => membersOf.get(g) ?? 0),
    };
  } finally {
    db.close();
  }
}

/** `user.create 81 000/81 000, members.add …`: applied of planned per kind, superseded left out. */
export function describeCensus(census: OutboxCensus): string {
  return [...census.byKind]
    .map(([kind, statuses]) => {
      let planned = 0;
      for (const [status, n] of statuses) if (status !== 'superseded') planned += n;
      return `${kind} ${String(statuses.get('applied') ?? 0)}/${String(planned)}`;
    })
    .join(', ');
}
