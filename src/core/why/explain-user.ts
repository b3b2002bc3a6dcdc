import { desiredStateOf } from '../desired-state.js';
import type { DesiredState } from '../model/desired-state.js';
import type { DirectoryGroup } from '../model/directory-group.js';
import { USER_ATTRIBUTE_NAMES, type DirectoryUser, type UserAttributeName } from '../model/directory-user.js';
import type { Directory } from '../model/directory.js';
import { changedAttributes } from '../planner/diff-users.js';
import { subjectLabel } from '../planner/explain-op.js';
import { explainStoredOp, type ExplainedStoredOp } from './explain-stored-op.js';
import type { ExplainSubjectContext, SubjectDecision } from './subject-decision.js';
import type { InviteRecord, UserEvidence } from './subject-evidence.js';

interface GroupReference {
  readonly id: string;
  readonly displayName: string;
}

type Attributes = Readonly<Record<UserAttributeName, string>>;

/** A user's invite in words. Plain JSON. */
export interface ExplainedInvite {
  /** `due` or `sent`. */
  readonly status: string;
  readonly email: string;
  readonly messageId: string | null;
  readonly attempts: number;
  readonly dueSince: string;
  readonly sentAt: string | null;
  /** `sent to ana@acme.com at …, Message-ID <…> (1 attempt)`. */
  readonly text: string;
}

/** `why` of a user. Plain JSON. */
export interface UserExplanation {
  readonly type: 'user';
  readonly id: string;
  /** `ana@acme.com (Ana Lopez)`. */
  readonly label: string;
  readonly idpName: string;
  /** The record as mirrored and when a read last reported it; null when the IdP no longer has the user. */
  readonly idp:
    | (Attributes & {
        readonly seenAt: string;
        readonly status: string;
        readonly active: boolean;
        readonly groups: readonly (GroupReference & { readonly builtIn: boolean })[];
      })
    | null;
  /** What dirsync knows the app holds; null when the user never reached the app. */
  readonly app:
    | (Attributes & {
        readonly updatedAt: string;
        readonly appId: string;
        readonly active: boolean;
        /** `created` by dirsync, or `adopted` (the account existed in the app). */
        readonly origin: string;
        readonly groups: readonly GroupReference[];
      })
    | null;
  readonly decisions: readonly SubjectDecision[];
  /** Newest last. */
  readonly ops: readonly ExplainedStoredOp[];
  readonly invites: readonly ExplainedInvite[];
  /** Why there is no invite, when there is none. */
  readonly noInvite: string | null;
}

/**
 * Explains one user. The decisions come from the planner's own rules (`desiredStateOf`) applied to the user's
 * slice of the directory (the user, its groups, its membership of each), so they say what the planner does.
 */
export function explainUser(evidence: UserEvidence, context: ExplainSubjectContext): UserExplanation {
  const { idp, app } = evidence;
  const known = idp?.user ?? app?.user;
  const login = nonEmpty(known?.userName);
  const displayName = nonEmpty(known?.displayName);
  const groupName = (id: string) =>
    quoted(
      evidence.groupNames.get(id) ??
        evidence.idpGroups.find((group) => group.id === id)?.displayName ??
        evidence.appGroups.find((group) => group.externalId === id)?.displayName ??
        id,
    );
  const appGroups = evidence.appGroups.map((group) => ({ id: group.externalId, displayName: group.displayName }));
  return {
    type: 'user',
    id: evidence.id,
    label: subjectLabel({
      id: evidence.id,
      type: 'user',
      ...(login === undefined ? {} : { login }),
      ...(displayName === undefined ? {} : { displayName }),
    }),
    idpName: context.idpName,
    idp:
      idp === null
        ? null
        : {
            seenAt: idp.seenAt,
            status: idp.user.status,
            active: idp.user.active,
            ...attributesOf(idp.user),
            groups: byName(evidence.idpGroups).map(({ id, displayName: name, builtIn }) => ({
              id,
              displayName: name,
              builtIn,
            })),
          },
    app:
      app === null
        ? null
        : {
            updatedAt: app.updatedAt,
            appId: app.user.appId,
            active: app.user.active,
            origin: app.user.origin,
            ...attributesOf(app.user),
            groups: byName(appGroups),
          },
    decisions: decisionsOf(evidence, context),
    ops: evidence.ops.map((op) => explainStoredOp(op, 'user', { group: groupName, user: (id) => id })),
    invites: evidence.invite === null ? [] : [explainInvite(evidence.invite)],
    noInvite: evidence.invite === null ? noInviteReason(evidence) : null,
  };
}

function decisionsOf(evidence: UserEvidence, context: ExplainSubjectContext): SubjectDecision[] {
  const idp = context.idpName;
  const have = evidence.app?.user ?? null;
  const appActive = have === null ? 'not in the app' : have.active ? 'active' : 'inactive';
  const inactiveInApp = have === null || !have.active;
  const user = evidence.idp?.user;
  if (user === undefined) {
    const text = `not in ${idp} any more (deleted, or no longer assigned) → should be inactive in the app, never deleted`;
    return [{ topic: 'active', text, app: appActive, inStep: inactiveInApp }];
  }
  const desired = desiredStateOf(userSlice(user, evidence.idpGroups), context.scope);
  const want = desired.users.get(user.id);
  if (want === undefined) {
    const text = 'out of scope → should be inactive in the app, never deleted';
    return [{ topic: 'scope', text, app: appActive, inStep: inactiveInApp }];
  }
  const status = user.status.trim() === '' ? '' : ` (${user.status})`;
  const decisions: SubjectDecision[] = [
    { topic: 'scope', text: 'in scope → managed in the app', app: null, inStep: null },
    want.active
      ? {
          topic: 'active',
          text: `active in ${idp}${status} → should be active in the app`,
          app: appActive,
          inStep: have?.active === true,
        }
      : {
          topic: 'active',
          text:
            have === null
              ? `not active in ${idp}${status} → not created in the app (only active people are)`
              : `not active in ${idp}${status} → should be inactive in the app`,
          app: appActive,
          inStep: inactiveInApp,
        },
  ];
  const differs = have === null ? {} : changedAttributes(have, want);
  const sources = ATTRIBUTE_SOURCES[context.idpKind] ?? DEFAULT_SOURCES;
  for (const name of USER_ATTRIBUTE_NAMES) {
    decisions.push({
      topic: name,
      text: `mapped ${name} ${shown(name, want[name])} (from ${sources[name]})`,
      app: have === null ? null : shown(name, have[name]),
      inStep: have === null ? null : !(name in differs),
    });
  }
  decisions.push(...membershipDecisions(evidence, desired, want.active, context.idpName));
  return decisions;
}

function membershipDecisions(
  evidence: UserEvidence,
  desired: DesiredState,
  active: boolean,
  idp: string,
): SubjectDecision[] {
  // A user the app does not have is in none of its groups: there is nothing to compare.
  const inApp = evidence.app === null ? null : new Set(evidence.appGroups.map((group) => group.externalId));
  const decisions: SubjectDecision[] = [];
  for (const group of byName(evidence.idpGroups)) {
    const name = quoted(group.displayName);
    const reference = { id: group.id, displayName: group.displayName };
    const wanted = desired.groups.get(group.id);
    if (wanted === undefined) {
      const why = group.builtIn ? 'built-in group' : 'the group is not pushed';
      decisions.push({
        topic: 'membership',
        text: `member of ${name} in ${idp} → out of scope: ${why}`,
        app: null,
        inStep: null,
        group: reference,
      });
      continue;
    }
    const member = wanted.members.has(evidence.id);
    decisions.push({
      topic: 'membership',
      text: member
        ? `member of ${name} in ${idp} → member of ${name} in the app`
        : `member of ${name} in ${idp}${active ? '' : ', but not active'} → not a member of ${name} in the app`,
      app: inApp === null ? null : inApp.has(group.id) ? 'member' : 'not a member',
      inStep: inApp === null ? null : member === inApp.has(group.id),
      group: reference,
    });
  }
  const listed = new Set(evidence.idpGroups.map((group) => group.id));
  for (const group of evidence.appGroups) {
    if (listed.has(group.externalId)) continue;
    const name = quoted(group.displayName);
    decisions.push({
      topic: 'membership',
      text: `not a member of ${name} in ${idp} → not a member of ${name} in the app`,
      app: 'member',
      inStep: false,
      group: { id: group.externalId, displayName: group.displayName },
    });
  }
  return decisions;
}

function explainInvite(invite: InviteRecord): ExplainedInvite {
  const messageId = invite.messageId === null ? '' : `, Message-ID ${invite.messageId}`;
  const tries = invite.attempts === 1 ? '1 attempt' : `${invite.attempts} attempts`;
  const text =
    invite.status === 'sent'
      ? `sent to ${invite.email} at ${invite.sentAt ?? '?'}${messageId} (${tries})`
      : invite.attempts === 0
        ? `due since ${invite.dueSince} to ${invite.email}, not sent yet`
        : `due since ${invite.dueSince} to ${invite.email}, ${tries} not confirmed${messageId}: sent again by the next run`;
  return {
    status: invite.status,
    email: invite.email,
    messageId: invite.messageId,
    attempts: invite.attempts,
    dueSince: invite.dueSince,
    sentAt: invite.sentAt,
    text,
  };
}

function noInviteReason(evidence: UserEvidence): string {
  const app = evidence.app?.user;
  if (app === undefined) return 'none: the user is not in the app';
  if (app.origin === 'adopted') return 'none: adopted (the account existed in the app); adopted people get no invite';
  return 'none: invites were off when dirsync created the user';
}

// Where each mapped attribute comes from (DESIGN "Identity"); the sandbox names its fields like the model.
const DEFAULT_SOURCES: Attributes = {
  userName: 'userName',
  email: 'email',
  givenName: 'givenName',
  familyName: 'familyName',
  displayName: 'displayName, else "givenName familyName"',
};

const ATTRIBUTE_SOURCES: Readonly<Record<string, Attributes>> = {
  okta: {
    userName: 'login',
    email: 'email, else login',
    givenName: 'firstName',
    familyName: 'lastName',
    displayName: 'displayName, else "firstName lastName"',
  },
  graph: {
    userName: 'userPrincipalName',
    email: 'mail, else the primary SMTP proxyAddress, otherMails, userPrincipalName',
    givenName: 'givenName',
    familyName: 'surname',
    displayName: 'displayName, else "givenName surname"',
  },
  sandbox: DEFAULT_SOURCES,
};

/** The directory as far as one user is concerned: the user, its groups, and its membership of each. */
function userSlice(user: DirectoryUser, groups: readonly DirectoryGroup[]): Directory {
  return {
    users: new Map([[user.id, user]]),
    groups: new Map(groups.map((group) => [group.id, group])),
    members: new Map(groups.map((group) => [group.id, new Set([user.id])])),
  };
}

function attributesOf(user: Attributes): Attributes {
  return {
    userName: user.userName,
    email: user.email,
    givenName: user.givenName,
    familyName: user.familyName,
    displayName: user.displayName,
  };
}

// Code-point order, not the locale's: the same output on every machine.
function byName<T extends GroupReference>(groups: readonly T[]): T[] {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups].sort((a, b) => order(a.displayName, b.displayName) || order(a.id, b.id));
}

// Logins and e-mail addresses read fine bare; names may hold spaces, so they are quoted (as in plans).
function shown(name: UserAttributeName, value: string): string {
  return (name === 'userName' || name === 'email') && value !== '' ? value : quoted(value);
}

function quoted(text: string): string {
  return `"${text}"`;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
