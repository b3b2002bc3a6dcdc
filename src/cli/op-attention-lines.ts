import { groupManualWork, type ManualWork } from '../core/manual-work.js';
import type { HeldIdentity } from '../core/planner/op-hold.js';
import type { AttentionOp, OpsAttention } from '../store/ops-attention.js';

export interface AttentionLinesOptions {
  /** The op in words by key (`create ana@acme.com (Ana Lopez)`), where the run's plan explains it. */
  readonly labels?: ReadonlyMap<string, string>;
  /** Keys of the ops that failed in this run: their answer is listed above already. */
  readonly failedThisRun?: ReadonlySet<string>;
}

// Members or subjects named per line of manual work before `+ N more`.
const NAMED = 5;

const WORK_NOUNS: Readonly<Record<string, readonly [one: string, many: string]>> = {
  'user.create': ['user creation', 'user creations'],
  'user.update': ['user update', 'user updates'],
  'user.reactivate': ['reactivation', 'reactivations'],
  'user.deactivate': ['deactivation', 'deactivations'],
  'group.create': ['group creation', 'group creations'],
  'group.rename': ['group rename', 'group renames'],
  'members.add': ['member addition', 'member additions'],
  'members.remove': ['member removal', 'member removals'],
  'group.delete': ['group deletion', 'group deletions'],
  'invite.send': ['invite', 'invites'],
};

/**
 * What needs a person or waits, for the run's summary and `status`: held ops with both identities and the approve
 * command, parked ops with their last answer and the retry command, failed ops with their next attempt, and
 * unsupported ops grouped as work by hand ("3 member removals in Sales must be made by hand"). Empty when there
 * is nothing. No trailing newline in any line.
 */
export function opAttentionLines(attention: OpsAttention, options: AttentionLinesOptions = {}): string[] {
  const lines: string[] = [];
  const label = (op: AttentionOp) =>
    options.labels?.get(op.key) ?? `${op.kind} ${op.subjectName ?? op.subject}${op.subjectName ? '' : ' (IdP id)'}`;
  const section = (
    status: AttentionOp['status'],
    head: (count: number) => string,
    each: (op: AttentionOp) => string[],
  ) => {
    const count = attention.counts[status];
    if (count === 0) return;
    const listed = attention.ops.filter((op) => op.status === status);
    lines.push(head(count));
    for (const op of listed) lines.push(...each(op));
    if (count > listed.length) lines.push(`  … ${count - listed.length} more`);
  };

  section(
    'held',
    (n) => `held: ${ops(n)} ${n === 1 ? 'waits' : 'wait'} for a person: the app's account looks like someone else's`,
    (op) => [
      `  ${label(op)}: ${oneLine(op.hold?.message ?? op.lastError ?? 'held')}`,
      ...(op.hold === null
        ? []
        : [`    from the IdP: ${identity(op.hold.incoming)}`, `    in the app:   ${identity(op.hold.existing)}`]),
      `    to adopt that account on purpose: dirsync approve ${op.key}`,
    ],
  );
  section(
    'parked',
    (n) =>
      `parked: ${ops(n)} failed too often and ${n === 1 ? 'is' : 'are'} not retried until the IdP changes ${n === 1 ? 'its' : 'their'} subject`,
    (op) => [
      `  ${label(op)}: ${oneLine(op.lastError ?? 'no answer recorded')} (failed ${times(op.failures)})`,
      `    after fixing the cause: dirsync retry ${op.key}`,
    ],
  );
  section(
    'failed',
    (n) => `failed: ${ops(n)} retried by a later run`,
    (op) => {
      // The first retry is on the next run: the time it was set to is the time of the failure.
      const when =
        op.nextAttemptAt === null || op.nextAttemptAt <= op.updatedAt ? 'on the next run' : `after ${op.nextAttemptAt}`;
      const answer = options.failedThisRun?.has(op.key) === true ? '' : `: ${oneLine(op.lastError ?? '')}`;
      return [`  ${label(op)}${answer} (failed ${times(op.failures)}; next attempt ${when})`];
    },
  );
  if (attention.counts.unsupported > 0) {
    const work = groupManualWork(
      attention.ops
        .filter((op) => op.status === 'unsupported')
        .map((op) => ({
          kind: op.kind,
          subject: op.subject,
          members: op.members.map((m) => m.id),
          reason: op.lastError ?? '',
        })),
    );
    lines.push('work for a person: the app cannot make these changes, so dirsync does not try them');
    const names = nameIndex(attention);
    for (const item of work) lines.push(`  ${workLine(item, names)}`);
  }
  return lines;
}

function workLine(work: ManualWork, names: ReadonlyMap<string, string>): string {
  const [one, many] = WORK_NOUNS[work.kind] ?? [work.kind, work.kind];
  const where = work.group === null ? '' : ` in ${names.get(work.group) ?? work.group}`;
  const named = work.subjects.slice(0, NAMED).map((id) => names.get(id) ?? id);
  const more = work.subjects.length > NAMED ? ` + ${work.subjects.length - NAMED} more` : '';
  return (
    `${work.count} ${work.count === 1 ? one : many}${where} must be made by hand: ${named.join(', ')}${more}` +
    (work.reason === '' ? '' : ` — ${oneLine(work.reason)}`)
  );
}

// Groups by id → display name, users by id → login, from what the outbox listed.
function nameIndex(attention: OpsAttention): Map<string, string> {
  const names = new Map<string, string>();
  for (const op of attention.ops) {
    if (op.subjectName !== null) names.set(op.subject, op.subjectName);
    for (const member of op.members) if (member.name !== null) names.set(member.id, member.name);
  }
  return names;
}

function identity(person: HeldIdentity): string {
  const ids = [
    person.externalId === null ? null : `IdP id ${person.externalId}`,
    person.appId === null ? null : `app id ${person.appId}`,
  ].filter((id): id is string => id !== null);
  const names = [person.displayName, person.userName, person.email].filter(
    (value, index, all) => value !== '' && all.indexOf(value) === index,
  );
  return `${names.join(', ')} (${[...ids, person.active ? 'active' : 'inactive'].join(', ')})`;
}

function ops(n: number): string {
  return n === 1 ? '1 op' : `${n} ops`;
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

// An app's answer can span lines; a summary keeps one line per op.
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
