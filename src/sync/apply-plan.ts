import type { Kysely } from 'kysely';
import { afterFailure } from '../core/op-retry-policy.js';
import {
  applyOp,
  resolvableMembers,
  type CreateOutcome,
  type MutableAppState,
  type StateEffect,
} from '../core/planner/apply-op.js';
import pLimit from 'p-limit';
import { OP_PHASES, opSubject, type Op, type OpKind } from '../core/planner/op.js';
import { buildInviteMessage } from '../invites/invite-mail.js';
import type { InviteTemplates } from '../invites/invite-templates.js';
import type { Mailer } from '../invites/mailer.js';
import { MailerError } from '../invites/mailer-error.js';
import type { Log } from '../logger.js';
import { InviteRepository } from '../store/invite-repository.js';
import type { Database } from '../store/database.js';
import { OutboxRepository, type OutboxEntry } from '../store/outbox-repository.js';
import { OpHeldError } from '../targets/op-held-error.js';
import { RunStoppedError } from '../targets/run-stopped-error.js';
import type { CreateOptions, CreateResult, Target } from '../targets/target.js';
import { TargetError } from '../targets/target-error.js';
import type { Clock } from '../clock.js';
import { ATTEMPT_MARK_WINDOW, AttemptMarker } from './attempt-marker.js';
import { AppliedJournal } from './applied-journal.js';
import { InviteLedger } from './invite-ledger.js';
import { InviteReadiness } from './invite-readiness.js';
import type { SyncProgress } from './sync-progress.js';

export interface InviteSender {
  readonly mailer: Mailer;
  readonly from: string;
  readonly appName: string | undefined;
  readonly appLoginUrl: string | undefined;
  /** The connection's invite templates (`INVITE_TEMPLATE_DIR`); absent: the bundled defaults. */
  readonly templates?: InviteTemplates;
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
  /** `DIRSYNC_MAX_OP_ATTEMPTS`: the failure that parks an op (see `op-retry-policy.ts`). */
  readonly maxOpAttempts: number;
  /** `INVITE_MAX_PER_MINUTE`: past it, invites stay due for the next run; absent: no limit. */
  readonly maxInvitesPerMinute?: number;
  /** `DIRSYNC_APPLY_CONCURRENCY`: ops of one phase in flight at once (default 1: one at a time). */
  readonly concurrency?: number;
}

/** An op the app cannot perform at all: not attempted, work for a person (DESIGN "Unsupported ops"). */
export interface UnsupportedOp {
  readonly op: Op;
  readonly reason: string;
}

export interface ApplyResult {
  readonly applied: readonly Op[];
  /** Ops that failed in this run, parked ones included. */
  readonly failed: number;
  /** Of the failed ops, those this failure parked (`DIRSYNC_MAX_OP_ATTEMPTS` reached). */
  readonly parked: number;
  readonly skipped: number;
  /** Ops the target held instead of adopting someone else's account; they wait for `dirsync approve`. */
  readonly held: number;
  readonly unsupported: readonly UnsupportedOp[];
  /** Set when the run had to stop before the end (token rejected, app or mail server down, shutdown). */
  readonly stoppedBy: Error | null;
}

type Outcome =
  | { readonly status: 'applied'; readonly created?: CreateOutcome }
  | { readonly status: 'skipped'; readonly why: string }
  | { readonly status: 'unsupported'; readonly reason: string };

/**
 * Applies outbox entries in order, exactly once: each is marked attempted before it reaches the app, and marked
 * applied in the same transaction that records its effect on the known app state (a group commit with the ops
 * applied around it, see `AppliedJournal`; an invite on its own). A create attempted before
 * (a crash between the app's answer and our commit) looks the object up first and adopts it.
 *
 * Invites go out alongside the app's writes, each once its person's account ops are done (see `InviteReadiness`).
 *
 * An op the app refuses fails alone (the run goes on) and is retried on a later run by the retry policy, or
 * parked; an op the target holds (someone else's account) waits for an approval; an op the target cannot do at
 * all is recorded as unsupported. None of them stops the run; an unavailable app, a rejected token or a database
 * fault does, leaving the rest pending.
 */
export async function applyPlan(
  connectionId: string,
  entries: readonly OutboxEntry[],
  state: MutableAppState,
  deps: ApplyDeps,
): Promise<ApplyResult> {
  const outbox = new OutboxRepository(deps.db);
  const journal = new AppliedJournal(deps.db, connectionId, deps.clock);
  const ledger = new InviteLedger(deps.db, connectionId, deps.clock);
  const linked = new LinkedIds(state);
  const applied: Op[] = [];
  const unsupported: UnsupportedOp[] = [];
  let failed = 0;
  let parked = 0;
  let skipped = 0;
  let held = 0;
  const result = (stoppedBy: Error | null): ApplyResult => ({
    applied,
    failed,
    parked,
    skipped,
    held,
    unsupported,
    stoppedBy,
  });
  let done = 0;
  // One entry, start to finish; returns the error that stops the run, if any.
  const applyEntry = async (entry: OutboxEntry, marks: AttemptMarker | InviteLedger): Promise<Error | null> => {
    const { op } = entry;
    try {
      const outcome = await applyOne(connectionId, entry, state, linked, marks, deps);
      const now = deps.clock.now().toISOString();
      switch (outcome.status) {
        case 'skipped':
          skipped++;
          await outbox.finish(entry.id, 'skipped', outcome.why, now);
          break;
        case 'unsupported':
          unsupported.push({ op, reason: outcome.reason });
          deps.log.info({ op: op.key, reason: outcome.reason }, 'op not supported by the app: left to a person');
          await outbox.finish(entry.id, 'unsupported', outcome.reason, now);
          break;
        case 'applied': {
          const removedGroupAppId = op.kind === 'group.delete' ? state.groups.get(op.externalId)?.appId : undefined;
          const effects = applyOp(state, op, outcome.created);
          // An invite's record goes into the commit of its connection's next attempt (see `InviteLedger`): a
          // crash before it sends this one mail again, never a batch of them.
          if (op.kind === 'invite.send') ledger.sent(entry.id, effects);
          else journal.record(entry.id, effects);
          linked.update(effects, removedGroupAppId);
          applied.push(op);
          break;
        }
      }
    } catch (error) {
      const now = deps.clock.now();
      if (error instanceof OpHeldError) {
        // Not a failure: nothing was written, and retrying cannot help until a person decides.
        held++;
        deps.log.warn({ op: op.key, reason: error.hold.reason }, 'op held: it would take over another account');
        await outbox.hold(entry.id, error.hold, now.toISOString());
      } else if (error instanceof TargetError && error.kind === 'unsupported') {
        // Found out while applying (an adoption needs a PATCH the app does not offer): work for a person, as if
        // the target had said so before the op.
        unsupported.push({ op, reason: error.message });
        deps.log.info({ op: op.key, reason: error.message }, 'op not supported by the app: left to a person');
        await outbox.finish(entry.id, 'unsupported', error.message, now.toISOString());
      } else if (error instanceof RunStoppedError) {
        // Stopped between two chunks of members on purpose: not a failure; the next run sends the op again.
        deps.log.info({ op: op.key }, 'stopped in the middle of the op: it stays pending');
        return error;
      } else {
        const message = error instanceof Error ? error.message : String(error);
        if (stopsRun(error)) {
          // Left pending: the next run re-plans it with the same key and knows it was attempted.
          deps.log.error({ op: op.key, err: message }, 'stopping the run: the remaining ops stay pending');
          return error instanceof Error ? error : new Error(message);
        }
        const after = afterFailure(entry.failures, deps.maxOpAttempts, now.getTime());
        failed++;
        if (after.status === 'parked') parked++;
        deps.log.warn(
          { op: op.key, err: message, failures: after.failures, status: after.status },
          after.status === 'parked'
            ? `op failed ${after.failures} times: parked until its subject changes or \`dirsync retry ${op.key}\``
            : 'op failed; going on with the rest, retried on a later run',
        );
        await outbox.fail(entry.id, after, message, now.toISOString());
      }
    }
    done += 1;
    deps.progress({ type: 'apply.op', done, total: entries.length, kind: op.kind });
    return null;
  };
  // The app's writes phase by phase (people before groups, groups before members, …: DESIGN "Ordering inside a
  // plan"), each phase's ops up to `concurrency` at a time: ops of one phase are on different subjects, and those
  // on the same subject still run one after the other. Each op keeps its own exactly-once bookkeeping.
  const writes = Math.max(1, deps.concurrency ?? 1);
  // Invites go out as many at once as the mailer takes (its connections, sized by the same setting). Under a
  // per-minute budget one at a time: the budget is counted in the database before each send, and two sends
  // counting at once could both take the last place.
  const mails = deps.maxInvitesPerMinute !== undefined ? 1 : Math.max(1, deps.invites?.mailer.parallel ?? 1);
  const appEntries = entries.filter((entry) => entry.op.kind !== 'invite.send');
  const inviteEntries = entries.filter((entry) => entry.op.kind === 'invite.send');
  const readiness = new InviteReadiness(appEntries);
  const now = () => deps.clock.now().toISOString();
  let appStoppedBy: Error | null = null;

  const writeToApp = async (): Promise<Error | null> => {
    try {
      for (const phase of phasesOf(appEntries)) {
        const marker = new AttemptMarker(phase.entries, outbox, now, ATTEMPT_MARK_WINDOW);
        // Ops the target sends many to a request (creates in SCIM /Bulk) are kept that many times more in flight;
        // the phase's other ops still go `writes` at a time.
        const perRequest = await opsPerRequest(deps.target, phase);
        const most = Math.max(1, ...perRequest.values());
        const oneEach = most > 1 ? pLimit(writes) : undefined;
        const stoppedBy = await runBounded(
          phase.entries,
          writes * most,
          async (entry) => {
            try {
              const apply = () => applyEntry(entry, marker);
              return oneEach === undefined || perRequest.get(entry.op.kind) === most
                ? await apply()
                : await oneEach(apply);
            } finally {
              readiness.finished(entry);
            }
          },
          () => deps.signal?.aborted === true,
        );
        // An error thrown above (a bug) skips this: the ops marked ahead then stay marked, as after a crash.
        const unreleased = await marker.release().then(() => null, asError);
        // What the phase applied is stored before the next phase starts and before the run ends, stopped or not.
        const unrecorded = await journal.flush();
        appStoppedBy = stoppedBy ?? unrecorded ?? unreleased;
        if (appStoppedBy !== null) return appStoppedBy;
      }
      return null;
    } finally {
      readiness.over();
    }
  };

  // Invites go out alongside the app's writes (another server), each once its person's account ops are done and
  // stored: the invite updates the person's invite row, which their create put there.
  const sendInvites = async (): Promise<Error | null> => {
    const stoppedBy = await runBounded(
      inviteEntries,
      mails,
      async (entry) => {
        if (entry.op.kind !== 'invite.send' || !(await readiness.ready(entry.op.userExternalId))) return null;
        const user = entry.op.userExternalId;
        return (await journal.durableFor(readiness.opsOf(user))) ?? (await applyEntry(entry, ledger));
      },
      () => deps.signal?.aborted === true || appStoppedBy !== null,
    );
    // The invites the mail server accepted are stored before the run ends, stopped or not.
    return stoppedBy ?? (await ledger.flush());
  };

  try {
    const [appStop, inviteStop] = await Promise.all([writeToApp(), sendInvites()]);
    return result(appStop ?? inviteStop ?? (await journal.flush()));
  } finally {
    // An unexpected error (a bug) still leaves what was applied stored.
    await Promise.all([journal.flush(), ledger.flush()]);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

interface Phase {
  readonly entries: readonly OutboxEntry[];
}

/**
 * How many of the phase's ops the target puts in one request (see `Target.opsPerRequest`). A target that cannot
 * say (its app unreachable, the token refused) gets 1: the phase's first op then meets the same failure and stops
 * the run the way every write does.
 */
async function opsPerRequest(target: Target, phase: Phase): Promise<ReadonlyMap<OpKind, number>> {
  const perRequest = new Map<OpKind, number>();
  for (const entry of phase.entries) {
    const { kind } = entry.op;
    if (perRequest.has(kind)) continue;
    let ops = 1;
    try {
      ops = Math.max(1, Math.floor((await target.opsPerRequest?.(kind)) ?? 1));
    } catch {
      // Said by the write itself, see above.
    }
    perRequest.set(kind, ops);
  }
  return perRequest;
}

/** The entries cut into runs of one phase each, in their order. */
function phasesOf(entries: readonly OutboxEntry[]): Phase[] {
  const phases: { entries: OutboxEntry[]; phase: number }[] = [];
  for (const entry of entries) {
    const phase = OP_PHASES[entry.op.kind];
    const last = phases[phases.length - 1];
    if (last !== undefined && last.phase === phase) last.entries.push(entry);
    else phases.push({ entries: [entry], phase });
  }
  return phases;
}

/**
 * Runs `work` over the entries with at most `limit` at once, in order of start; entries on one subject one after the
 * other. Stops starting new ones at the first error `work` returns (or when `stopped()`), waits for those running,
 * and returns that error.
 */
async function runBounded(
  entries: readonly OutboxEntry[],
  limit: number,
  work: (entry: OutboxEntry) => Promise<Error | null>,
  stopped: () => boolean,
): Promise<Error | null> {
  let next = 0;
  let stoppedBy: Error | null = null;
  const bySubject = new Map<string, Promise<unknown>>();
  const worker = async (): Promise<void> => {
    while (stoppedBy === null) {
      if (stopped()) {
        stoppedBy = new Error('the run was asked to stop');
        return;
      }
      const entry = entries[next];
      if (entry === undefined) return;
      next += 1;
      const subject = opSubject(entry.op);
      const before = bySubject.get(subject);
      const run = (before ?? Promise.resolve()).then(() => work(entry));
      bySubject.set(subject, run);
      const error = await run;
      // The last op on its subject so far: nothing is chained to it, so the subject goes (a phase of 100 000 creates
      // held a settled promise per person until its end).
      if (bySubject.get(subject) === run) bySubject.delete(subject);
      if (error !== null && stoppedBy === null) stoppedBy = error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, entries.length) }, worker));
  return stoppedBy;
}

/**
 * The app id → IdP id index of the known app state, kept current as ops apply: a target asks it whether an app
 * account it found is linked to another IdP id already (a recycled identity, never adopted silently).
 */
class LinkedIds {
  readonly #users = new Map<string, string>();
  readonly #groups = new Map<string, string>();

  constructor(state: MutableAppState) {
    for (const user of state.users.values()) this.#users.set(user.appId, user.externalId);
    for (const group of state.groups.values()) this.#groups.set(group.appId, group.externalId);
  }

  readonly user = (appId: string): string | undefined => this.#users.get(appId);
  readonly group = (appId: string): string | undefined => this.#groups.get(appId);

  update(effects: readonly StateEffect[], removedGroupAppId: string | undefined): void {
    for (const effect of effects) {
      if (effect.type === 'user.put') this.#users.set(effect.user.appId, effect.user.externalId);
      if (effect.type === 'group.put') this.#groups.set(effect.group.appId, effect.group.externalId);
    }
    if (removedGroupAppId !== undefined) this.#groups.delete(removedGroupAppId);
  }
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
  linked: LinkedIds,
  marks: AttemptMarker | InviteLedger,
  deps: ApplyDeps,
): Promise<Outcome> {
  const { op } = entry;
  const { target } = deps;
  const attempt = async () => {
    if (!(marks instanceof AttemptMarker)) throw new Error(`bug: ${op.key} was given to the invite runner`);
    await marks.mark(entry);
  };
  // Every write to the app: first whether the app can do it at all (then it is not attempted), then marked
  // attempted before it is sent.
  const send = async (write: () => Promise<CreateResult | undefined>): Promise<Outcome> => {
    const reason = (await target.unsupported?.(op)) ?? null;
    if (reason !== null) return { status: 'unsupported', reason };
    await attempt();
    const created = await write();
    return created === undefined ? { status: 'applied' } : { status: 'applied', created };
  };
  const createOptions = (linkedExternalIdOf: CreateOptions['linkedExternalIdOf']): CreateOptions => ({
    resumed: entry.attempts > 0,
    ...(linkedExternalIdOf === undefined ? {} : { linkedExternalIdOf }),
    ...(entry.approved ? { adoptHeld: true } : {}),
  });
  const done = () => undefined;
  switch (op.kind) {
    case 'user.create':
      return send(() =>
        target.createUser(
          {
            externalId: op.externalId,
            ...op.attributes,
            active: true,
            ...(op.extra === undefined ? {} : { extra: op.extra }),
          },
          createOptions(linked.user),
        ),
      );
    case 'user.update':
    case 'user.reactivate':
    case 'user.deactivate': {
      const user = state.users.get(op.externalId);
      if (user === undefined) return { status: 'skipped', why: 'the user is not in the app' };
      const changes =
        op.kind === 'user.deactivate'
          ? { active: false }
          : op.kind === 'user.reactivate'
            ? { ...op.changes, active: true }
            : op.changes;
      return send(() => target.updateUser(user.appId, changes).then(done));
    }
    case 'group.create':
      return send(() =>
        target.createGroup({ externalId: op.externalId, displayName: op.displayName }, createOptions(linked.group)),
      );
    case 'group.rename': {
      const group = state.groups.get(op.externalId);
      if (group === undefined) return { status: 'skipped', why: 'the group is not in the app' };
      return send(() => target.updateGroup(group.appId, { displayName: op.displayName }).then(done));
    }
    case 'members.add':
    case 'members.remove': {
      const group = state.groups.get(op.groupExternalId);
      if (group === undefined) return { status: 'skipped', why: 'the group is not in the app (its create failed?)' };
      const ids = resolvableMembers(state, op.userExternalIds);
      if (ids.length === 0) return { status: 'skipped', why: 'none of the users is in the app' };
      const appIds = ids.map((id) => state.users.get(id)?.appId ?? id);
      const changes = op.kind === 'members.add' ? { addMemberIds: appIds } : { removeMemberIds: appIds };
      return send(() =>
        target.updateGroup(group.appId, changes, deps.signal === undefined ? {} : { signal: deps.signal }).then(done),
      );
    }
    case 'group.delete': {
      const group = state.groups.get(op.externalId);
      if (group === undefined) return { status: 'skipped', why: 'the group is not in the app' };
      return send(() => target.deleteGroup(group.appId).then(done));
    }
    case 'invite.send': {
      const due = state.dueInvites.get(op.userExternalId);
      if (due === undefined) return { status: 'skipped', why: 'no invite is due (adopted user, or already sent)' };
      if (deps.invites === null) return { status: 'skipped', why: 'invites are off; the invite stays due' };
      // A send is due with its number: an op planned for an earlier one (the person was sent to since) does nothing.
      if (due.sendNumber !== (op.sendNumber ?? 1)) {
        return { status: 'skipped', why: `send ${due.sendNumber} is due, not send ${op.sendNumber ?? 1}` };
      }
      if (!(marks instanceof InviteLedger)) throw new Error(`bug: ${op.key} was given to an app write phase`);
      if (deps.maxInvitesPerMinute !== undefined) {
        // The budget is counted in the database: the invites accepted but not recorded yet are stored first.
        const unrecorded = await marks.flush();
        if (unrecorded !== null) throw unrecorded;
        const since = new Date(deps.clock.now().getTime() - 60_000);
        if ((await new InviteRepository(deps.db, connectionId).sentSince(since)) >= deps.maxInvitesPerMinute) {
          return {
            status: 'skipped',
            why: `INVITE_MAX_PER_MINUTE=${deps.maxInvitesPerMinute} reached: the invite stays due for the next run`,
          };
        }
      }
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
        templates: deps.invites.templates,
        kind: due.kind,
        sendNumber: due.sendNumber,
        ...(due.note === undefined ? {} : { note: due.note }),
      });
      // Attempted, with the Message-ID a resend after a crash will carry, in a commit before the message leaves.
      // The mailer opens the transaction meanwhile (the envelope delivers nothing): the commit and the mail
      // server's first round trip overlap.
      const marked = marks.attempt(entry.id, due.userExternalId, message.messageId);
      // Observed at once: a mailer that fails before waiting for the mark must not leave its rejection unhandled.
      marked.catch(() => undefined);
      try {
        await mailer.send(message, { beforeData: marked });
      } catch (error) {
        // A mark that failed (a database fault) is what stops the run, whatever the mail server said.
        await marked;
        throw error;
      }
      return { status: 'applied' };
    }
  }
}
