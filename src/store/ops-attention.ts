import type { Kysely } from 'kysely';
import type { OpHold } from '../core/planner/op-hold.js';
import { payloadStrings } from '../core/why/op-payload.js';
import { opSubjectType } from '../core/why/op-subject-type.js';
import { chunk } from './chunk.js';
import type { Database } from './database.js';
import { OutboxRepository } from './outbox-repository.js';
import { parseStoredHold } from './stored-op-hold.js';

/** Statuses of ops that need a person or wait for a later run. */
export type AttentionStatus = 'held' | 'parked' | 'failed' | 'unsupported';
export const ATTENTION_STATUSES: readonly AttentionStatus[] = ['held', 'parked', 'failed', 'unsupported'];

/** A user a membership op adds or removes: IdP id, and login as the mirror knows it (null: it does not). */
export interface AttentionMember {
  readonly id: string;
  readonly name: string | null;
}

/** One op that needs a person or waits, as `status` and the run's summary list it. Plain JSON. */
export interface AttentionOp {
  readonly key: string;
  readonly kind: string;
  readonly status: AttentionStatus;
  /** The IdP id of the user or group the op is about (a membership op's group). */
  readonly subject: string;
  /** The subject's login (users) or display name (groups) as the mirror knows it; null when it does not. */
  readonly subjectName: string | null;
  /** The users an unsupported membership op adds or removes; empty otherwise. */
  readonly members: readonly AttentionMember[];
  readonly failures: number;
  /** The app's answer (failed, parked), the hold's sentence (held), or why the app cannot (unsupported). */
  readonly lastError: string | null;
  /** A failed op is not attempted before this time. */
  readonly nextAttemptAt: string | null;
  /** Both identities of a held op. */
  readonly hold: OpHold | null;
  readonly updatedAt: string;
}

export interface OpsAttention {
  readonly counts: Readonly<Record<AttentionStatus, number>>;
  /** At most `limit` held, parked and failed ops each, and every unsupported op; by status, in plan order. */
  readonly ops: readonly AttentionOp[];
}

/**
 * What needs a person or waits in one connection's outbox: held ops (`approve`), parked ops (`retry`), failed ops
 * waiting for their next attempt, and unsupported ops (work by hand), counted and listed with their subject's
 * name. Unsupported ops are all listed: grouped, they are the work a person has to do.
 */
export async function loadOpsAttention(db: Kysely<Database>, connectionId: string, limit = 50): Promise<OpsAttention> {
  const counts = await new OutboxRepository(db).countByStatus(connectionId, ATTENTION_STATUSES);
  const ops: AttentionOp[] = [];
  for (const status of ATTENTION_STATUSES) {
    if ((counts[status] ?? 0) === 0) continue;
    const rows = await db
      .selectFrom('ops')
      .leftJoin('idp_users', (join) =>
        join.onRef('idp_users.connection_id', '=', 'ops.connection_id').onRef('idp_users.id', '=', 'ops.subject'),
      )
      .leftJoin('idp_groups', (join) =>
        join.onRef('idp_groups.connection_id', '=', 'ops.connection_id').onRef('idp_groups.id', '=', 'ops.subject'),
      )
      .select([
        'ops.key',
        'ops.kind',
        'ops.subject',
        'ops.payload',
        'ops.failures',
        'ops.last_error',
        'ops.next_attempt_at',
        'ops.hold',
        'ops.updated_at',
        'idp_users.user_name',
        'idp_groups.display_name as group_name',
      ])
      .where('ops.connection_id', '=', connectionId)
      .where('ops.status', '=', status)
      .orderBy('ops.position')
      .orderBy('ops.key')
      .$if(status !== 'unsupported', (query) => query.limit(limit))
      .execute();
    const memberIds = new Map(
      rows.map((row) => [
        row.key,
        status === 'unsupported' && opSubjectType(row.kind) === 'group'
          ? payloadStrings(parsePayload(row.payload), 'userExternalIds')
          : [],
      ]),
    );
    const names = await userNames(db, connectionId, [...memberIds.values()].flat());
    for (const row of rows) {
      const type = opSubjectType(row.kind);
      ops.push({
        key: row.key,
        kind: row.kind,
        status,
        subject: row.subject,
        subjectName: (type === 'group' ? row.group_name : type === 'user' ? row.user_name : null) ?? null,
        members: (memberIds.get(row.key) ?? []).map((id) => ({ id, name: names.get(id) ?? null })),
        failures: row.failures,
        lastError: row.last_error,
        nextAttemptAt: row.next_attempt_at,
        hold: parseStoredHold(row.hold),
        updatedAt: row.updated_at,
      });
    }
  }
  return {
    counts: {
      held: counts.held ?? 0,
      parked: counts.parked ?? 0,
      failed: counts.failed ?? 0,
      unsupported: counts.unsupported ?? 0,
    },
    ops,
  };
}

async function userNames(db: Kysely<Database>, connectionId: string, ids: readonly string[]) {
  const names = new Map<string, string>();
  for (const batch of chunk([...new Set(ids)], 400)) {
    const rows = await db
      .selectFrom('idp_users')
      .select(['id', 'user_name'])
      .where('connection_id', '=', connectionId)
      .where('id', 'in', batch)
      .execute();
    for (const row of rows) names.set(row.id, row.user_name);
  }
  return names;
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
