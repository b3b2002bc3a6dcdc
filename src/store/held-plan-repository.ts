import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { HoldReason } from '../core/planner/hold-reason.js';
import type { Op } from '../core/planner/op.js';
import type { PlanCounts } from '../core/planner/plan.js';
import type { Database, HeldPlanStatus, HeldPlansTable } from './database.js';

/** A plan a guard or a source anomaly held, as `plans`, `plan show` and `approve` work with it. */
export interface HeldPlan {
  readonly id: string;
  readonly connectionId: string;
  /** The run that (last) held it. */
  readonly runId: string;
  readonly status: HeldPlanStatus;
  readonly reasons: readonly HoldReason[];
  readonly counts: PlanCounts;
  readonly ops: readonly Op[];
  readonly destructive: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  readonly appliedRunId: string | null;
}

export interface NewHeldPlan {
  readonly connectionId: string;
  readonly runId: string;
  readonly reasons: readonly HoldReason[];
  readonly counts: PlanCounts;
  readonly ops: readonly Op[];
  readonly destructive: readonly string[];
}

// Crockford's base32: no I, L, O or U, so an id read aloud or copied by hand from a terminal survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_PATTERN = /^p-[0-9A-HJKMNP-TV-Z]{6}$/;

/** `p-7K2M9Q` from what an operator typed (`P-7k2m9q`, with Crockford's I→1, L→1, O→0); null when it cannot be one. */
export function normalizeHeldPlanId(text: string): string | null {
  const trimmed = text.trim();
  if (!/^p-/i.test(trimmed)) return null;
  const body = trimmed.slice(2).toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  const id = `p-${body}`;
  return ID_PATTERN.test(id) ? id : null;
}

function newId(): string {
  const bytes = randomBytes(6);
  let body = '';
  for (const byte of bytes) body += ALPHABET.charAt(byte % 32);
  return `p-${body}`;
}

/** The `held_plans` table: held plans, their approvals and what became of them. */
export class HeldPlanRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new held plan under a fresh short id and returns it. */
  async create(plan: NewHeldPlan, now: string): Promise<HeldPlan> {
    for (;;) {
      const id = newId();
      const result = await this.db
        .insertInto('held_plans')
        .values({
          id,
          connection_id: plan.connectionId,
          run_id: plan.runId,
          status: 'held',
          reasons: JSON.stringify(plan.reasons),
          counts: JSON.stringify(plan.counts),
          ops: JSON.stringify(plan.ops),
          destructive: JSON.stringify(plan.destructive),
          created_at: now,
          decided_at: null,
          decided_by: null,
          applied_run_id: null,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      // 32^6 ids: a collision is a one-in-a-billion event per plan, but never an error for the operator.
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) return this.getOrThrow(id);
    }
  }

  /** The same hold seen again by a later run: its latest ops, counts and run, under the id the operator knows. */
  async refresh(id: string, plan: NewHeldPlan, now: string): Promise<HeldPlan> {
    await this.db
      .updateTable('held_plans')
      .set({
        run_id: plan.runId,
        reasons: JSON.stringify(plan.reasons),
        counts: JSON.stringify(plan.counts),
        ops: JSON.stringify(plan.ops),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    return this.getOrThrow(id);
  }

  async get(id: string): Promise<HeldPlan | undefined> {
    const row = await this.db.selectFrom('held_plans').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : heldPlanFromRow(row);
  }

  /** Plans of one connection (or all), newest first, in the given statuses. */
  async list(connectionId: string | null, statuses: readonly HeldPlanStatus[]): Promise<HeldPlan[]> {
    if (statuses.length === 0) return [];
    let query = this.db.selectFrom('held_plans').selectAll().where('status', 'in', statuses);
    if (connectionId !== null) query = query.where('connection_id', '=', connectionId);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map(heldPlanFromRow);
  }

  /**
   * Moves a plan from one status to another only if it is still in `from`: two operators approving and
   * rejecting at once, or a run applying it meanwhile, cannot both win. Returns whether it moved.
   */
  async decide(
    id: string,
    from: HeldPlanStatus,
    to: HeldPlanStatus,
    change: { readonly by?: string; readonly appliedRunId?: string },
    now: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('held_plans')
      .set({
        status: to,
        updated_at: now,
        ...(change.by === undefined ? {} : { decided_at: now, decided_by: change.by }),
        ...(change.appliedRunId === undefined ? {} : { applied_run_id: change.appliedRunId }),
      })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Every plan of the connection in `from` (but `except`) → `to`: older holds a run found obsolete. */
  async decideAll(
    connectionId: string,
    from: HeldPlanStatus,
    to: HeldPlanStatus,
    now: string,
    except: string | null = null,
  ): Promise<number> {
    let query = this.db
      .updateTable('held_plans')
      .set({ status: to, updated_at: now })
      .where('connection_id', '=', connectionId)
      .where('status', '=', from);
    if (except !== null) query = query.where('id', '!=', except);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  private async getOrThrow(id: string): Promise<HeldPlan> {
    const plan = await this.get(id);
    if (plan === undefined) throw new Error(`held plan ${id} vanished while it was being written`);
    return plan;
  }
}

function heldPlanFromRow(row: HeldPlansTable): HeldPlan {
  return {
    id: row.id,
    connectionId: row.connection_id,
    runId: row.run_id,
    status: row.status,
    reasons: JSON.parse(row.reasons) as HoldReason[],
    counts: JSON.parse(row.counts) as PlanCounts,
    ops: JSON.parse(row.ops) as Op[],
    destructive: JSON.parse(row.destructive) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    appliedRunId: row.applied_run_id,
  };
}
