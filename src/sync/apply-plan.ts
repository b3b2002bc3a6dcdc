import type { Kysely } from 'kysely';
import { applyOp, resolvableMembers, type CreateOutcome, type MutableAppState } from '../core/planner/apply-op.js';
import type { Op } from '../core/planner/op.js';
import { buildInviteMessage } from '../invites/invite-mail.js';
import type { Mailer } from '../invites/mailer.js';
import { MailerError } from '../invites/mailer-error.js';
import type { Log } from '../logger.js';
import { AppStateRepository } from '../store/app-state-repository.js';
import type { Database } from '../store/database.js';
import { OutboxRepository, type OutboxEntry } from '../store/outbox-repository.js';
import type { Target } from '../targets/target.js';
import { TargetError } from '../targets/target-error.js';
import type { Clock } from '../clock.js';
import type { SyncProgress } from './sync-progress.js';

export interface InviteSender {
  readonly mailer: Mailer;
  readonly from: string;
  readonly appName: string | undefined;
  readonly appLoginUrl: string | undefined;
}

export interface ApplyDeps {
  readonly db: Kysely<Database>;
  readonly target: Target;
  /** Null when invites are off: due invites stay due. */
  readonly invites: InviteSender | null;
  readonly clock: Clock;
  readonly log: Log;
  readonly progress: SyncProgress;
  readonly signal?: AbortSignal;
}

export interface ApplyResult {
  readonly applied: readonly Op[];
  readonly failed: number;
  readonly skipped: number;
  /** Set when the run had to stop before the end (token rejected, app or mail server down, shutdown). */
  readonly stoppedBy: Error | null;
}

type Outcome =
  | { readonly status: 'applied'; readonly created?: CreateOutcome }
  | { readonly status: 'skipped'; readonly why: string };

/**
 * Applies outbox entries in order, exactly once: each is marked attempted before it reaches the app, and marked
 * applied in the same transaction that records its effect on the known app state. A create attempted before
 * (a crash between the app's answer and our commit) looks the object up first and adopts it.
 */
export async function applyPlan(
  connectionId: string,
  entries: readonly OutboxEntry[],
  state: MutableAppState,
  deps: ApplyDeps,
): Promise<ApplyResult> {
  const outbox = new OutboxRepository(deps.db);
  const applied: Op[] = [];
  let failed = 0;
  let skipped = 0;
  for (const [index, entry] of entries.entries()) {
    if (deps.signal?.aborted === true)
      return { applied, failed, skipped, stoppedBy: new Error('the run was asked to stop') };
    const { op } = entry;
    try {
      const outcome = await applyOne(connectionId, entry, state, deps);
      const now = deps.clock.now().toISOString();
      if (outcome.status === 'skipped') {
        skipped++;
        await outbox.finish(entry.id, 'skipped', outcome.why, now);
      } else {
        const effects = applyOp(state, op, outcome.created);
        await deps.db.transaction().execute(async (trx) => {
          await new AppStateRepository(trx).persist(connectionId, effects, now);
          await new OutboxRepository(trx).finish(entry.id, 'applied', null, now);
        });
        applied.push(op);
      }
    } catch (error) {
      const stops = stopsRun(error);
      const message = error instanceof Error ? error.message : String(error);
      if (stops) {
        // Left pending: the next run re-plans it with the same key and knows it was attempted.
        deps.log.error({ op: op.key, err: message }, 'stopping the run: the remaining ops stay pending');
        return { applied, failed, skipped, stoppedBy: error instanceof Error ? error : new Error(message) };
      }
      failed++;
      deps.log.warn({ op: op.key, err: message }, 'op failed; going on with the rest');
      await outbox.finish(entry.id, 'failed', message, deps.clock.now().toISOString());
    }
    deps.progress({ type: 'apply.op', done: index + 1, total: entries.length, kind: op.kind });
  }
  return { applied, failed, skipped, stoppedBy: null };
}

function stopsRun(error: unknown): boolean {
  if (error instanceof TargetError) return error.stopsRun;
  if (error instanceof MailerError) return error.stopsSending;
  return true; // Unknown errors (database gone, a bug): do not carry on blindly.
}

async function applyOne(
  connectionId: string,
  entry: OutboxEntry,
  state: MutableAppState,
  deps: ApplyDeps,
): Promise<Outcome> {
  const { op } = entry;
  const { target } = deps;
  const outbox = new OutboxRepository(deps.db);
  const attempt = () => outbox.markAttempt(entry.id, deps.clock.now().toISOString());
  switch (op.kind) {
    case 'user.create': {
      await attempt();
      const created = await target.createUser(
        { externalId: op.externalId, ...op.attributes, active: true },
        { resumed: entry.attempts > 0 },
      );
      return { status: 'applied', created };
    }
    case 'user.update':
    case 'user.reactivate':
    case 'user.deactivate': {
      const user = state.users.get(op.externalId);
      if (user === undefined) return { status: 'skipped', why: 'the user is not in the app' };
      await attempt();
      const changes =
        op.kind === 'user.deactivate'
          ? { active: false }
          : op.kind === 'user.reactivate'
            ? { ...op.changes, active: true }
            : op.changes;
      await target.updateUser(user.appId, changes);
      return { status: 'applied' };
    }
    case 'group.create': {
      await attempt();
      const created = await target.createGroup(
        { externalId: op.externalId, displayName: op.displayName },
        { resumed: entry.attempts > 0 },
      );
      return { status: 'applied', created };
    }
    case 'group.rename': {
      const group = state.groups.get(op.externalId);
      if (group === undefined) return { status: 'skipped', why: 'the group is not in the app' };
      await attempt();
      await target.updateGroup(group.appId, { displayName: op.displayName });
      return { status: 'applied' };
    }
    case 'members.add':
    case 'members.remove': {
      const group = state.groups.get(op.groupExternalId);
      if (group === undefined) return { status: 'skipped', why: 'the group is not in the app (its create failed?)' };
      const ids = resolvableMembers(state, op.userExternalIds);
      if (ids.length === 0) return { status: 'skipped', why: 'none of the users is in the app' };
      const appIds = ids.map((id) => state.users.get(id)?.appId ?? id);
      await attempt();
      await target.updateGroup(
        group.appId,
        op.kind === 'members.add' ? { addMemberIds: appIds } : { removeMemberIds: appIds },
      );
      return { status: 'applied' };
    }
    case 'group.delete': {
      const group = state.groups.get(op.externalId);
      if (group === undefined) return { status: 'skipped', why: 'the group is not in the app' };
      await attempt();
      await target.deleteGroup(group.appId);
      return { status: 'applied' };
    }
    case 'invite.send': {
      const due = state.dueInvites.get(op.userExternalId);
      if (due === undefined) return { status: 'skipped', why: 'no invite is due (adopted user, or already sent)' };
      if (deps.invites === null) return { status: 'skipped', why: 'invites are off; the invite stays due' };
      const { mailer, from, appName, appLoginUrl } = deps.invites;
      const user = state.users.get(op.userExternalId);
      const message = buildInviteMessage({
        connectionId,
        userExternalId: due.userExternalId,
        email: due.email,
        displayName: due.displayName,
        ...(user?.givenName ? { givenName: user.givenName } : {}),
        from,
        ...(appName === undefined ? {} : { appName }),
        ...(appLoginUrl === undefined ? {} : { appLoginUrl }),
      });
      await attempt();
      await new AppStateRepository(deps.db).markInviteAttempt(connectionId, due.userExternalId, message.messageId);
      await mailer.send(message);
      return { status: 'applied' };
    }
  }
}
