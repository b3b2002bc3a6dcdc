import type { AppState } from '../model/app-state.js';
import type { DesiredState } from '../model/desired-state.js';
import type { Directory } from '../model/directory.js';
import type { DirectoryUser, UserAttributeName } from '../model/directory-user.js';
import { USER_ATTRIBUTE_NAMES } from '../model/directory-user.js';
import type { Op, OpKind, UserAttributeChanges } from './op.js';

/** What an explanation reads: the same states the planner saw, plus how to name the IdP. */
export interface ExplainContext {
  /** The IdP as an operator calls it: `Okta`, `Entra ID`, `the sandbox directory`. */
  readonly idpName: string;
  /** What the mirror holds (after this run's read): statuses, groups, memberships. */
  readonly directory: Directory;
  /** What the app holds before the plan. */
  readonly app: AppState;
  /** What the plan aims at. */
  readonly desired: DesiredState;
}

/** The person or group an op is about, named as well as the states allow (the id when nothing else is known). */
export interface ExplainedSubject {
  /** The IdP id (the app's `externalId`). */
  readonly id: string;
  /** A user's login; absent for groups and for users no state names. */
  readonly login?: string;
  readonly displayName?: string;
  readonly type: 'user' | 'group';
}

/** One member of a membership op, named by login when known. */
export interface ExplainedMember {
  readonly id: string;
  readonly login?: string;
}

/** An op in words, for plans, summaries and `plan --json`. Plain JSON. */
export interface OpExplanation {
  readonly key: string;
  readonly kind: OpKind;
  readonly subject: ExplainedSubject;
  /** What is done, to whom, without the why: `deactivate ana@acme.com (Ana Lopez)`. */
  readonly title: string;
  /** One line, `<title>: <reason>`: `deactivate ana@acme.com (Ana Lopez): SUSPENDED in Okta`. */
  readonly summary: string;
  /** Why, from the directory's side: `SUSPENDED in Okta`, `deleted in Okta`, `out of scope`, `email changed in Okta: …`. */
  readonly reason: string;
  /** The people a `members.add`/`members.remove` op names, in the op's order. */
  readonly members?: readonly ExplainedMember[];
}

/**
 * Explains one op of a plan made from `context` (`planSync(context.desired, context.app, …)`). Never throws:
 * a name no state knows falls back to the id, and an op the states do not account for gets a generic reason.
 * A user the mirror no longer has (deleted in the IdP) is named from the app state.
 */
export function explainOp(op: Op, context: ExplainContext): OpExplanation {
  const idp = context.idpName;
  const subject = subjectOfOp(op, namerOf(context));
  const title = opTitle(op, subject);
  switch (op.kind) {
    case 'user.create':
      return explained(op, subject, title, `${activeIn(op.externalId, context)}, not in the app`);
    case 'user.update':
      return explained(op, subject, title, changesText(op.externalId, op.changes, context));
    case 'user.reactivate': {
      const again = `${activeIn(op.externalId, context)} again, inactive in the app`;
      const changed = Object.keys(op.changes).length > 0 ? `; ${changesText(op.externalId, op.changes, context)}` : '';
      return explained(op, subject, title, `${again}${changed}`);
    }
    case 'user.deactivate':
      return explained(op, subject, title, deactivationReason(op.externalId, context));
    case 'group.create':
      return explained(op, subject, title, `in ${idp}, not in the app`);
    case 'group.rename': {
      const before = context.app.groups.get(op.externalId)?.displayName;
      const reason =
        before === undefined
          ? `renamed in ${idp} to ${quoted(op.displayName)}`
          : `renamed in ${idp} from ${quoted(before)} to ${quoted(op.displayName)}`;
      return explained(op, subject, title, reason);
    }
    case 'group.delete': {
      const group = context.directory.groups.get(op.externalId);
      const reason =
        group === undefined ? `deleted in ${idp}` : group.builtIn ? 'out of scope (built-in group)' : 'out of scope';
      return explained(op, subject, title, reason);
    }
    case 'members.add': {
      const name = groupName(subject);
      const n = op.userExternalIds.length;
      const reason = context.app.groups.has(op.groupExternalId)
        ? `${people(n)} joined ${name} in ${idp}`
        : `${members(n)} of ${name} in ${idp}`;
      return explained(op, subject, title, reason, membersOf(op.userExternalIds, context));
    }
    case 'members.remove': {
      const reason = removalReason(op.groupExternalId, op.userExternalIds, groupName(subject), context);
      return explained(op, subject, title, reason, membersOf(op.userExternalIds, context));
    }
    case 'invite.send': {
      const email =
        context.app.dueInvites.get(op.userExternalId)?.email ??
        nonEmpty(context.desired.users.get(op.userExternalId)?.email) ??
        nonEmpty(context.directory.users.get(op.userExternalId)?.email);
      const to = email === undefined ? '' : ` at ${email}`;
      const reason = context.app.users.has(op.userExternalId)
        ? `owed since an earlier run, invited${to}`
        : `new in the app, invited${to}`;
      return explained(op, subject, title, reason);
    }
  }
}

/** Names the people and groups ops are about (see `ExplainedSubject`). */
export interface SubjectNamer {
  readonly user: (id: string) => ExplainedSubject;
  readonly group: (id: string) => ExplainedSubject;
}

/** What an op does, to whom, without the why: `OpExplanation.title`. */
export function opTitle(op: Op, subject: ExplainedSubject): string {
  const label = subjectLabel(subject);
  switch (op.kind) {
    case 'user.create':
      return `create ${label}`;
    case 'user.update':
      return `update ${label}`;
    case 'user.reactivate':
      return `reactivate ${label}`;
    case 'user.deactivate':
      return `deactivate ${label}`;
    case 'group.create':
      return `create group ${label}`;
    case 'group.rename':
      return `rename group ${label}`;
    case 'group.delete':
      return `delete group ${label}`;
    case 'members.add':
      return `add ${members(op.userExternalIds.length)} to ${label}`;
    case 'members.remove':
      return `remove ${members(op.userExternalIds.length)} from ${label}`;
    case 'invite.send':
      return `invite ${label}`;
  }
}

/** The person or group `op` is about; a group's create or rename goes by the name it is given. */
export function subjectOfOp(op: Op, namer: SubjectNamer): ExplainedSubject {
  switch (op.kind) {
    case 'user.create':
    case 'user.update':
    case 'user.reactivate':
    case 'user.deactivate':
      return namer.user(op.externalId);
    case 'group.create':
    case 'group.rename': {
      const displayName = nonEmpty(op.displayName);
      return { id: op.externalId, ...(displayName === undefined ? {} : { displayName }), type: 'group' };
    }
    case 'group.delete':
      return namer.group(op.externalId);
    case 'members.add':
    case 'members.remove':
      return namer.group(op.groupExternalId);
    case 'invite.send':
      return namer.user(op.userExternalId);
  }
}

/**
 * The subjects of `ops` named from `context` and kept, so that their titles can be made after the states are gone
 * (a sync names the few ops that failed once it has applied the plan, see `src/cli/run-report.ts`). Holds one
 * name per subject instead of a title per op, and no state.
 */
export function keptSubjectNames(ops: readonly Op[], context: ExplainContext): SubjectNamer {
  const users = new Map<string, ExplainedSubject>();
  const groups = new Map<string, ExplainedSubject>();
  const namer = namerOf(context);
  const keeping: SubjectNamer = {
    user: (id) => keep(users, id, namer.user),
    group: (id) => keep(groups, id, namer.group),
  };
  for (const op of ops) subjectOfOp(op, keeping);
  return namerFrom(users, groups);
}

/**
 * Names from kept subjects only. A function of its own: closures made in `keptSubjectNames` would share its scope,
 * and with it the context, holding the directory and the desired state for as long as the names live.
 */
function namerFrom(
  users: ReadonlyMap<string, ExplainedSubject>,
  groups: ReadonlyMap<string, ExplainedSubject>,
): SubjectNamer {
  return {
    user: (id) => users.get(id) ?? { id, type: 'user' },
    group: (id) => groups.get(id) ?? { id, type: 'group' },
  };
}

function keep(
  kept: Map<string, ExplainedSubject>,
  id: string,
  name: (id: string) => ExplainedSubject,
): ExplainedSubject {
  const known = kept.get(id);
  if (known !== undefined) return known;
  const subject = name(id);
  kept.set(id, subject);
  return subject;
}

function namerOf(context: ExplainContext): SubjectNamer {
  return { user: (id) => userSubject(id, context), group: (id) => groupSubject(id, context) };
}

/**
 * How a subject is named in one line: `ana@acme.com (Ana Lopez)`, `ana@acme.com`, `"Ana Lopez" (00u1)`, `00u1`
 * for a user; `"Sales"` or `00g1` for a group.
 */
export function subjectLabel(subject: ExplainedSubject): string {
  if (subject.type === 'group') return subject.displayName === undefined ? subject.id : quoted(subject.displayName);
  if (subject.login === undefined) {
    return subject.displayName === undefined ? subject.id : `${quoted(subject.displayName)} (${subject.id})`;
  }
  return subject.displayName === undefined || subject.displayName === subject.login
    ? subject.login
    : `${subject.login} (${subject.displayName})`;
}

function explained(
  op: Op,
  subject: ExplainedSubject,
  title: string,
  reason: string,
  opMembers?: readonly ExplainedMember[],
): OpExplanation {
  return {
    key: op.key,
    kind: op.kind,
    subject,
    title,
    summary: `${title}: ${reason}`,
    reason,
    ...(opMembers === undefined ? {} : { members: opMembers }),
  };
}

// The IdP's current names first (what the operator sees in the IdP), then the app's (a deleted user), then an
// owed invite's: whichever state still knows the person.
function userSubject(id: string, context: ExplainContext): ExplainedSubject {
  const known =
    context.desired.users.get(id) ??
    context.directory.users.get(id) ??
    context.app.users.get(id) ??
    context.app.dueInvites.get(id);
  const login = known !== undefined && 'userName' in known ? nonEmpty(known.userName) : undefined;
  const displayName = nonEmpty(known?.displayName);
  return {
    id,
    ...(login === undefined ? {} : { login }),
    ...(displayName === undefined ? {} : { displayName }),
    type: 'user',
  };
}

function groupSubject(id: string, context: ExplainContext): ExplainedSubject {
  const displayName = nonEmpty(
    context.desired.groups.get(id)?.displayName ??
      context.directory.groups.get(id)?.displayName ??
      context.app.groups.get(id)?.displayName,
  );
  return { id, ...(displayName === undefined ? {} : { displayName }), type: 'group' };
}

function membersOf(ids: readonly string[], context: ExplainContext): ExplainedMember[] {
  return ids.map((id) => {
    const login = userSubject(id, context).login;
    return login === undefined ? { id } : { id, login };
  });
}

// `ACTIVE` (Okta) and `enabled` (Graph) say nothing beyond "active"; other active statuses (`PASSWORD_EXPIRED`,
// `LOCKED_OUT`, …) are worth showing: the person is kept active despite a sign-in problem.
function activeIn(id: string, context: ExplainContext): string {
  const status = statusOf(context.directory.users.get(id));
  const plain = status === undefined || /^(active|enabled)$/i.test(status);
  return plain ? `active in ${context.idpName}` : `active in ${context.idpName} (${status})`;
}

function deactivationReason(id: string, context: ExplainContext): string {
  const user = context.directory.users.get(id);
  if (user === undefined) return `deleted in ${context.idpName}`;
  if (!context.desired.users.has(id)) return 'out of scope';
  return `${statusOf(user) ?? 'inactive'} in ${context.idpName}`;
}

function statusOf(user: DirectoryUser | undefined): string | undefined {
  return nonEmpty(user?.status.trim());
}

const ATTRIBUTE_LABELS: Readonly<Record<UserAttributeName, string>> = {
  userName: 'login',
  email: 'email',
  givenName: 'given name',
  familyName: 'family name',
  displayName: 'display name',
};

// Logins and e-mail addresses read fine bare; names may hold spaces, so they are quoted.
const BARE: ReadonlySet<UserAttributeName> = new Set(['userName', 'email']);

/** `email changed in Okta: a@x → b@x`, or `changed in Okta: login a → b; email c → d` for several. */
function changesText(id: string, changes: UserAttributeChanges, context: ExplainContext): string {
  const before = context.app.users.get(id);
  const parts: { readonly label: string; readonly change: string }[] = [];
  for (const name of USER_ATTRIBUTE_NAMES) {
    const after = changes[name];
    if (after === undefined) continue;
    const show = (value: string) => (BARE.has(name) && value !== '' ? value : quoted(value));
    const was = before === undefined ? '' : `${show(before[name])} → `;
    parts.push({ label: ATTRIBUTE_LABELS[name], change: `${was}${show(after)}` });
  }
  // The policy's attributes: a change in the IdP or in the policy itself (mapping, roles) leads here alike.
  for (const [path, after] of Object.entries(changes.extra ?? {})) {
    const had = before?.extra?.[path];
    const was = before === undefined ? '' : `${had === undefined ? '(none)' : JSON.stringify(had)} → `;
    parts.push({ label: path, change: `${was}${after === null ? '(cleared)' : JSON.stringify(after)}` });
  }
  const [only, ...more] = parts;
  if (only === undefined) return `no attribute changed in ${context.idpName}`;
  if (changes.extra !== undefined) {
    return `changed in ${context.idpName} or by the policy: ${parts.map((part) => `${part.label} ${part.change}`).join('; ')}`;
  }
  if (more.length === 0) return `${only.label} changed in ${context.idpName}: ${only.change}`;
  return `changed in ${context.idpName}: ${parts.map((part) => `${part.label} ${part.change}`).join('; ')}`;
}

// A member leaves the app group when they leave the IdP group, or when they stop being an active user
// (deactivated, deleted or out of scope) while still listed in it.
function removalReason(groupId: string, ids: readonly string[], name: string, context: ExplainContext): string {
  const listed = context.directory.members.get(groupId);
  let left = 0;
  for (const id of ids) if (listed?.has(id) !== true) left++;
  const inactive = ids.length - left;
  const parts: string[] = [];
  if (left > 0) parts.push(`${people(left)} left ${name} in ${context.idpName}`);
  if (inactive > 0) parts.push(`${people(inactive)} no longer active in ${context.idpName}`);
  return parts.join('; ');
}

function groupName(subject: ExplainedSubject): string {
  return subject.displayName ?? subject.id;
}

function people(n: number): string {
  return n === 1 ? '1 person' : `${n} people`;
}

function members(n: number): string {
  return n === 1 ? '1 member' : `${n} members`;
}

function quoted(text: string): string {
  return `"${text}"`;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
