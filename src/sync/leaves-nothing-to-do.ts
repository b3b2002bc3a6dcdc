import type { Kysely } from 'kysely';
import type { Database, OpStatus } from '../store/database.js';
import { HeldPlanRepository } from '../store/held-plan-repository.js';
import { InviteRepository } from '../store/invite-repository.js';
import { OutboxRepository } from '../store/outbox-repository.js';

/** Every status of an op that a later run attempts again or that waits for a person. */
const OPEN_OPS: readonly OpStatus[] = ['pending', 'failed', 'held', 'parked', 'unsupported'];

/** When invites are on: the moment to judge what is due, and the reminders the run's settings make due. */
export interface InviteWork {
  readonly now: Date;
  readonly reminders: { readonly afterMs: number; readonly max: number } | null;
}

/**
 * Whether nothing the connection stores waits for a run: no op open in its outbox (pending, failed, held, parked or
 * unsupported), no plan held or approved, and, with invites on, no invite or reminder due (what a run that skips
 * planning checks too). Read by a run that applied its whole plan: with the mirror and the app state it just brought
 * together, this is all the next run of no change would plan from.
 */
export async function leavesNothingToDo(
  db: Kysely<Database>,
  connectionId: string,
  invites: InviteWork | null,
): Promise<boolean> {
  const open = await new OutboxRepository(db).countByStatus(connectionId, OPEN_OPS);
  if (Object.values(open).some((count) => count > 0)) return false;
  if (invites !== null && (await new InviteRepository(db, connectionId).workDue(invites.now, invites.reminders))) {
    return false;
  }
  return (await new HeldPlanRepository(db).list(connectionId, ['held', 'approved'])).length === 0;
}
