import type { AppState } from '../model/app-state.js';
import { opSubject, type Op, type PlannedOp } from './op.js';

/**
 * Gives each op of an ordered plan its idempotency key: `<kind>:<connection>:<subject>`, plus `@<revision>` for
 * ops that can recur on one subject (a user is deactivated, reactivated, deactivated again). The revision is
 * the one the subject will have when the op runs (its revision now, raised by the ops before it on the same
 * subject), so if a run dies after the first of two ops on a subject, planning again gives the second op the
 * same key and the outbox recognises it.
 */
export function keyOps(ordered: readonly PlannedOp[], app: AppState, connectionId: string): Op[] {
  const userRevisions = new Map<string, number>();
  const groupRevisions = new Map<string, number>();
  const next = (revisions: Map<string, number>, subject: string, now: number, bump: boolean): number => {
    const current = revisions.get(subject) ?? now;
    if (bump) revisions.set(subject, current + 1);
    return current;
  };
  return ordered.map((op): Op => {
    const subject = opSubject(op);
    const base = `${op.kind}:${connectionId}:${subject}`;
    switch (op.kind) {
      case 'user.create':
        userRevisions.set(subject, 1);
        return withKey(op, base);
      case 'group.create':
        groupRevisions.set(subject, 1);
        return withKey(op, base);
      case 'invite.send':
        // The first send keeps the key it always had; a resend or reminder is another op of the same person.
        return withKey(op, (op.sendNumber ?? 1) > 1 ? `${base}#${op.sendNumber ?? 1}` : base);
      case 'user.update':
      case 'user.reactivate':
      case 'user.deactivate': {
        const revision = next(userRevisions, subject, app.users.get(subject)?.revision ?? 0, true);
        return withKey(op, `${base}@${revision}`);
      }
      case 'group.rename':
      case 'members.add':
      case 'members.remove':
      case 'group.delete': {
        const bump = op.kind !== 'group.delete';
        const revision = next(groupRevisions, subject, app.groups.get(subject)?.revision ?? 0, bump);
        return withKey(op, `${base}@${revision}`);
      }
    }
  });
}

/**
 * The op with its key, its own properties first. Not `{ ...op, key }`: V8 gives every object cloned by a spread at
 * the head of a literal a hidden class of its own once a call site has seen a few dozen (Node 20), and at 100 000
 * users the plan's ops then held some 40 MB of hidden classes besides themselves; `Object.assign` onto a new object
 * takes the shared transitions.
 */
function withKey(op: PlannedOp, key: string): Op {
  return Object.assign({}, op, { key });
}
