import { assertMigrated, openDatabase } from '../app.js';
import { systemClock } from '../clock.js';
import type { ConnectionConfig } from '../config/connection-config.js';
import { selectConnection } from '../config/connection-registry.js';
import { formatDuration } from '../core/duration.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import {
  INVITE_STATES,
  InviteRepository,
  type InviteEntry,
  type InviteState,
  type SendRequestResult,
} from '../store/invite-repository.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';
import { syncCommand } from './sync-command.js';

/** `dirsync invites [-c ID] [--state S] [--json]`: every person of the app with their invite state. */
export async function invitesListCommand(
  context: CliContext,
  options: { readonly connection?: string | undefined; readonly state?: string | undefined; readonly json: boolean },
): Promise<ExitCode> {
  const state = options.state;
  if (state !== undefined && !(INVITE_STATES as readonly string[]).includes(state)) {
    throw new CliError(`--state must be one of ${INVITE_STATES.join(', ')}, not "${state}"`, EXIT.config);
  }
  return withInvites(context, options.connection, async (invites, connection) => {
    const entries = (await invites.list()).filter((entry) => state === undefined || entry.state === state);
    if (options.json) {
      context.out.write(`${JSON.stringify({ connection: connection.id, invites: entries }, null, 2)}\n`);
      return EXIT.ok;
    }
    const counts = INVITE_STATES.map((s) => `${entries.filter((entry) => entry.state === s).length} ${s}`);
    context.out.write(
      `invites of connection ${connection.id}: ${counts.join(', ')}${invitesOffNote(connection)}\n` +
        entries.map((entry) => `  ${entryLine(entry)}\n`).join(''),
    );
    return EXIT.ok;
  });
}

export interface SendOptions {
  readonly connection?: string | undefined;
  readonly user?: readonly string[] | undefined;
  /** `send --not-invited` / `resend --pending`. */
  readonly all: boolean;
  readonly message?: string | undefined;
  readonly force: boolean;
  /** Make the sends due and stop: the next run (CLI or worker) sends them. */
  readonly queueOnly: boolean;
}

/**
 * `dirsync invites send (--not-invited | --user …)` and `invites resend (--pending | --user …) [--message] [--force]`:
 * makes the sends due (all or nothing when a named user is unknown), then runs the connection once so they go out
 * through the outbox like every write, exactly once; `--queue-only` leaves them to the next run.
 */
export async function invitesSendCommand(
  context: CliContext,
  kind: 'invite' | 'resend',
  options: SendOptions,
): Promise<ExitCode> {
  const users = options.user ?? [];
  const bulk = kind === 'invite' ? '--not-invited' : '--pending';
  if (options.all === users.length > 0) {
    throw new CliError(`name the people with --user <login|e-mail|id>…, or give ${bulk}, not both`, EXIT.config);
  }
  const note = options.message?.trim();
  if (note !== undefined && note.length > 2000) {
    throw new CliError('--message is limited to 2000 characters', EXIT.config);
  }
  let connectionId = '';
  const code = await withInvites(context, options.connection, async (invites, connection) => {
    connectionId = connection.id;
    let ids: string[];
    if (options.all) {
      ids = await invites.idsInState(kind === 'invite' ? 'not-invited' : 'pending');
    } else {
      const found = await invites.lookup(users);
      const problems = found.flatMap((lookup) => ('problem' in lookup ? [lookup.problem] : []));
      if (problems.length > 0) throw new CliError(`nothing was queued: ${problems.join('; ')}`, EXIT.config);
      ids = [...new Set(found.flatMap((lookup) => ('userExternalId' in lookup ? [lookup.userExternalId] : [])))];
    }
    const results = await invites.requestSends(ids, {
      kind,
      ...(note === undefined || note === '' ? {} : { note }),
      now: systemClock.now(),
      cooldownMs: connection.inviteLifecycle.resendCooldownMs,
      force: options.force,
    });
    context.out.write(resultLines(results, kind, connection, options.queueOnly));
    return results.some((result) => result.queued) ? EXIT.ok : ('none' as const);
  });
  if (code !== EXIT.ok) return code === 'none' ? EXIT.ok : code;
  if (options.queueOnly) return EXIT.ok;
  return syncCommand(context, {
    connection: connectionId,
    full: false,
    dryRun: false,
    allowMassDeactivation: false,
    showPlan: false,
    json: false,
  });
}

/** `dirsync invites accepted <user>…`: these people joined the app; no reminders any more. */
export async function invitesAcceptedCommand(
  context: CliContext,
  users: readonly string[],
  options: { readonly connection?: string | undefined },
): Promise<ExitCode> {
  return withInvites(context, options.connection, async (invites, connection) => {
    const found = await invites.lookup(users);
    const problems = found.flatMap((lookup) => ('problem' in lookup ? [lookup.problem] : []));
    if (problems.length > 0) throw new CliError(`nothing was recorded: ${problems.join('; ')}`, EXIT.config);
    const ids = found.flatMap((lookup) => ('userExternalId' in lookup ? [lookup.userExternalId] : []));
    await invites.markAccepted(ids, systemClock.now());
    context.out.write(
      `${ids.length} ${ids.length === 1 ? 'person' : 'people'} of connection ${connection.id} recorded as joined: no more reminders\n`,
    );
    return EXIT.ok;
  });
}

async function withInvites<T>(
  context: CliContext,
  connectionOption: string | undefined,
  work: (invites: InviteRepository, connection: ConnectionConfig) => Promise<T>,
): Promise<T> {
  const { service, registry } = context.settings();
  const connection = selectConnection(registry, connectionOption);
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    return await work(new InviteRepository(database.db, connection.id), connection);
  } finally {
    await database.db.destroy();
  }
}

function entryLine(entry: InviteEntry): string {
  const sent =
    entry.sends === 0
      ? ''
      : `, ${entry.sends} sent, last ${entry.lastSentAt ?? '?'}${entry.reminders > 0 ? ` (${entry.reminders} reminders)` : ''}`;
  const accepted = entry.acceptedAt === null ? '' : `, joined ${entry.acceptedAt}`;
  const due = entry.due === null ? '' : `, ${entry.due.kind} ${entry.due.sendNumber} due with the next run`;
  return `${stateLabel(entry.state)} ${entry.login} <${entry.email}> (${entry.userExternalId})${sent}${accepted}${due}`;
}

function stateLabel(state: InviteState): string {
  return state.padEnd(11);
}

function resultLines(
  results: readonly SendRequestResult[],
  kind: 'invite' | 'resend',
  connection: ConnectionConfig,
  queueOnly: boolean,
): string {
  const queued = results.filter((result) => result.queued).length;
  const what = kind === 'invite' ? 'invite' : 'resend';
  const lines = [
    queued === 0
      ? `no ${what} queued for connection ${connection.id}`
      : `${queued} ${what}(s) queued for connection ${connection.id}${
          queueOnly
            ? `: they go out with its next run (\`dirsync sync -c ${connection.id}\` or the worker)`
            : ': sending them now'
        }${invitesOffNote(connection)}`,
    ...results.flatMap((result) => (result.queued ? [] : [`  not ${result.userExternalId}: ${result.reason}`])),
  ];
  if (
    kind === 'resend' &&
    results.some((result) => !result.queued && result.reason.includes('INVITE_RESEND_COOLDOWN'))
  ) {
    lines.push(`  (resend cooldown: ${formatDuration(connection.inviteLifecycle.resendCooldownMs)})`);
  }
  return `${lines.join('\n')}\n`;
}

function invitesOffNote(connection: ConnectionConfig): string {
  return connection.invites.mode === 'off'
    ? ` (invites are off: ${connection.invites.reason}; due invites wait until they are on)`
    : '';
}
