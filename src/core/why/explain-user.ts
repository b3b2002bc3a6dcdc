import { coreFieldOf, policyDecisionsOf, type PolicyDecisions } from '../desired-state.js';
import type { AppUser } from '../model/app-state.js';
import type { DesiredUser } from '../model/desired-state.js';
import { sameScimValue, type ScimAttributeValue } from '../model/extra-attributes.js';
import type { AttributeRule, AttributeSource, GroupRef, Policy } from '../policy/policy.js';
import { roleFor } from '../policy/role-for.js';
import { scimPathKey } from '../policy/scim-attribute-path.js';
import type { UserScopeDecision } from '../policy/user-in-scope.js';
import type { DirectoryGroup } from '../model/directory-group.js';
import {
  USER_ATTRIBUTE_NAMES,
  userAttributesOf,
  type DirectoryUser,
  type UserAttributeName,
} from '../model/directory-user.js';
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
            ...userAttributesOf(idp.user),
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
            ...userAttributesOf(app.user),
            groups: byName(appGroups),
          },
    decisions: decisionsOf(evidence, context),
    ops: evidence.ops.map((op) => explainStoredOp(op, 'user', { group: groupName, user: (id) => id })),
    invites: evidence.invite === null ? [] : explainInvites(evidence.invite),
    noInvite: evidence.invite === null || evidence.invite.status === 'not-invited' ? noInviteReason(evidence) : null,
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
  const policy = context.policy;
  const directory = context.directory ?? userSlice(user, evidence.idpGroups);
  const rules = policyDecisionsOf(directory, policy);
  const scope = rules.userScope(user);
  if (!scope.inScope) {
    const text = `out of scope: ${outOfScopeReason(scope)} → should be inactive in the app, never deleted`;
    return [{ topic: 'scope', text, app: appActive, inStep: inactiveInApp }];
  }
  const want = rules.desiredUser(user);
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
  const idpSources = ATTRIBUTE_SOURCES[context.idpKind] ?? DEFAULT_SOURCES;
  const sources: Attributes =
    policy.mapping.userName === 'email'
      ? { ...idpSources, userName: `the e-mail (policy mapping.userName: email)` }
      : idpSources;
  for (const name of USER_ATTRIBUTE_NAMES) {
    const mapped = policy.mapping.attributes.find((attribute) => coreFieldOf(attribute.target) === name);
    const createOnly = want.createOnly?.includes(name) === true;
    const source = mapped === undefined ? sources[name] : `${sourceText(mapped.source)}, by the policy`;
    decisions.push({
      topic: name,
      text: `mapped ${name} ${shown(name, want[name])} (from ${source}${createOnly ? ', set on create only' : ''})`,
      app: have === null ? null : shown(name, have[name]),
      inStep: have === null || createOnly ? null : !(name in differs),
    });
  }
  decisions.push(...extraAttributeDecisions(policy, want, have, rules.groupsOf(user.id)));
  decisions.push(...membershipDecisions(evidence, rules, want.active, context.idpName));
  return decisions;
}

function outOfScopeReason(scope: Exclude<UserScopeDecision, { inScope: true }>): string {
  switch (scope.reason) {
    case 'excluded':
      return `excluded by the policy rule ${ruleText(scope.rule)}`;
    case 'not-included':
      return 'matches none of the policy scope.users.include rules';
    case 'not-in-pushed-group':
      return 'not a member of any pushed group (policy scope.users.membersOfPushedGroupsOnly)';
  }
}

/** The policy's extra attributes and role, each with where its value comes from. */
function extraAttributeDecisions(
  policy: Policy,
  want: DesiredUser,
  have: AppUser | null,
  groups: readonly GroupRef[],
): SubjectDecision[] {
  const decide = (key: string, source: string, createOnly: boolean): SubjectDecision => {
    const value = want.extra?.[key]?.value ?? null;
    const held = have?.extra?.[key];
    const onCreate = createOnly ? ', set on create only' : '';
    return {
      topic: key,
      text: `mapped ${key} ${valueText(value)} (from ${source}${onCreate})`,
      app: have === null ? null : valueText(held ?? null),
      inStep: have === null || createOnly ? null : sameScimValue(held, value),
    };
  };
  const decisions = policy.mapping.attributes
    .filter((mapped) => coreFieldOf(mapped.target) === undefined)
    .map((mapped) => decide(scimPathKey(mapped.target), sourceText(mapped.source), mapped.source.createOnly));
  if (policy.roles !== undefined) {
    const role = roleFor(groups, policy.roles);
    const rule = role.rule === undefined ? undefined : policy.roles.rules[role.rule];
    const source =
      rule !== undefined
        ? `role rule ${(role.rule ?? 0) + 1}: member of ${quoted(rule.group)}`
        : role.value === undefined
          ? 'no role rule matches and the policy has no default role'
          : 'the default role: no role rule matches';
    decisions.push(decide(scimPathKey(policy.roles.target), source, false));
  }
  return decisions;
}

function sourceText(source: AttributeSource): string {
  switch (source.kind) {
    case 'attribute':
      return `the IdP attribute ${source.attribute}`;
    case 'constant':
      return 'a constant';
    case 'group':
      return `member of ${quoted(source.group)} → ${JSON.stringify(source.then)}${source.else === undefined ? '' : `, else ${JSON.stringify(source.else)}`}`;
  }
}

function ruleText(rule: AttributeRule): string {
  switch (rule.kind) {
    case 'equals':
      return `${rule.attribute} equals ${JSON.stringify(rule.value)}`;
    case 'in':
      return `${rule.attribute} in ${JSON.stringify(rule.values)}`;
    case 'matches':
      return `${rule.attribute} matches ${JSON.stringify(rule.glob)}`;
    case 'exists':
      return `${rule.attribute} ${rule.exists ? 'exists' : 'does not exist'}`;
  }
}

function valueText(value: ScimAttributeValue | null): string {
  return value === null ? '(none)' : JSON.stringify(value);
}

function membershipDecisions(
  evidence: UserEvidence,
  rules: PolicyDecisions,
  active: boolean,
  idp: string,
): SubjectDecision[] {
  // A user the app does not have is in none of its groups: there is nothing to compare.
  const inApp = evidence.app === null ? null : new Set(evidence.appGroups.map((group) => group.externalId));
  const decisions: SubjectDecision[] = [];
  for (const group of byName(evidence.idpGroups)) {
    const name = quoted(group.displayName);
    const reference = { id: group.id, displayName: group.displayName };
    const selection = rules.groupSelection(group.id);
    if (!selection.selected) {
      const why = selection.reason === 'built-in' ? 'built-in group' : 'the group is not pushed (policy scope.groups)';
      decisions.push({
        topic: 'membership',
        text: `member of ${name} in ${idp} → out of scope: ${why}`,
        app: null,
        inStep: null,
        group: reference,
      });
      continue;
    }
    const member = active && rules.membership.usersOf(group.id).has(evidence.id);
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
    if (active && rules.membership.usersOf(group.externalId).has(evidence.id)) {
      decisions.push({
        topic: 'membership',
        text: `member of ${name} in ${idp} through a nested group (policy nestedGroups: flatten) → member of ${name} in the app`,
        app: 'member',
        inStep: true,
        group: { id: group.externalId, displayName: group.displayName },
      });
      continue;
    }
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

/** The person's invite history, oldest first: each send the mail server accepted, then a due send or the join. */
function explainInvites(invite: InviteRecord): ExplainedInvite[] {
  const history = invite.history ?? [];
  // Records from before the history was kept: the record itself is the one send.
  if (history.length === 0) return invite.status === 'not-invited' ? [] : [explainInvite(invite)];
  const entries = history.map((send): ExplainedInvite => {
    const messageId = send.messageId === null ? '' : `, Message-ID ${send.messageId}`;
    const tries = send.attempts === 1 ? '1 attempt' : `${send.attempts} attempts`;
    const which = send.sendNumber === 1 && send.kind === 'invite' ? '' : `${send.kind} (send ${send.sendNumber}): `;
    const note = send.note === null ? '' : ', with a personal note';
    return {
      status: 'sent',
      email: send.email,
      messageId: send.messageId,
      attempts: send.attempts,
      dueSince: send.sentAt,
      sentAt: send.sentAt,
      text: `${which}sent to ${send.email} at ${send.sentAt}${messageId} (${tries})${note}`,
    };
  });
  if (invite.status === 'due') entries.push(explainInvite(invite));
  if (invite.status === 'accepted') {
    entries.push({
      status: 'accepted',
      email: invite.email,
      messageId: null,
      attempts: 0,
      dueSince: invite.acceptedAt ?? invite.dueSince,
      sentAt: null,
      text: `joined the app at ${invite.acceptedAt ?? '?'} (recorded with \`dirsync invites accepted\`): no more reminders`,
    });
  }
  return entries;
}

function explainInvite(invite: InviteRecord): ExplainedInvite {
  const messageId = invite.messageId === null ? '' : `, Message-ID ${invite.messageId}`;
  const tries = invite.attempts === 1 ? '1 attempt' : `${invite.attempts} attempts`;
  const text =
    invite.status === 'sent'
      ? `sent to ${invite.email} at ${invite.sentAt ?? '?'}${messageId} (${tries})`
      : invite.attempts === 0
        ? `${dueLabel(invite)}due since ${invite.dueSince} to ${invite.email}, not sent yet`
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

function dueLabel(invite: InviteRecord): string {
  const number = invite.sendNumber ?? 1;
  return number === 1 && (invite.kind ?? 'invite') === 'invite' ? '' : `${invite.kind ?? 'invite'} (send ${number}) `;
}

function noInviteReason(evidence: UserEvidence): string {
  const app = evidence.app?.user;
  if (app === undefined) return 'none: the user is not in the app';
  const send = ` (\`dirsync invites send --user ${evidence.id}\` invites them)`;
  if (app.origin === 'adopted') {
    return `none: adopted (the account existed in the app); adopted people get no invite${send}`;
  }
  return `none: invites were off, or the first sync was quiet, when dirsync created the user${send}`;
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
