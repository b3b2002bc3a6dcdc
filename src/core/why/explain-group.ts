import { desiredStateOf, policyDecisionsOf } from '../desired-state.js';
import type { DirectoryGroup } from '../model/directory-group.js';
import type { DirectoryUser } from '../model/directory-user.js';
import type { Directory } from '../model/directory.js';
import { subjectLabel } from '../planner/explain-op.js';
import { explainStoredOp, type ExplainedStoredOp } from './explain-stored-op.js';
import type { ExplainSubjectContext, SubjectDecision } from './subject-decision.js';
import type { GroupEvidence } from './subject-evidence.js';

/** `why` of a group. Plain JSON. */
export interface GroupExplanation {
  readonly type: 'group';
  readonly id: string;
  /** `"Sales"`. */
  readonly label: string;
  readonly idpName: string;
  /** The record as mirrored and when a read last reported it; null when the IdP no longer has the group. */
  readonly idp: {
    readonly seenAt: string;
    readonly displayName: string;
    readonly builtIn: boolean;
    /** Direct members: users of the mirror, the active ones among them, and members that are not users. */
    readonly members: { readonly users: number; readonly activeUsers: number; readonly others: number };
  } | null;
  /** What dirsync knows the app holds; null when the group never reached the app (or was deleted there). */
  readonly app: {
    readonly updatedAt: string;
    readonly appId: string;
    readonly displayName: string;
    readonly members: number;
  } | null;
  readonly decisions: readonly SubjectDecision[];
  /** Newest last. */
  readonly ops: readonly ExplainedStoredOp[];
}

/**
 * Explains one group. The decisions come from the planner's own rules (`desiredStateOf`) applied to the group's
 * slice of the directory (the group and its direct members).
 */
export function explainGroup(evidence: GroupEvidence, context: ExplainSubjectContext): GroupExplanation {
  const { idp, app } = evidence;
  const name = nonEmpty(idp?.group.displayName ?? app?.group.displayName);
  const label = subjectLabel({ id: evidence.id, type: 'group', ...(name === undefined ? {} : { displayName: name }) });
  const userName = (id: string) =>
    nonEmpty(evidence.userNames.get(id)?.userName ?? evidence.idpMembers.find((user) => user.id === id)?.userName) ??
    id;
  return {
    type: 'group',
    id: evidence.id,
    label,
    idpName: context.idpName,
    idp:
      idp === null
        ? null
        : {
            seenAt: idp.seenAt,
            displayName: idp.group.displayName,
            builtIn: idp.group.builtIn,
            members: {
              users: evidence.idpMembers.length,
              activeUsers: evidence.idpMembers.filter((user) => user.active).length,
              others: evidence.otherIdpMembers,
            },
          },
    app:
      app === null
        ? null
        : {
            updatedAt: app.updatedAt,
            appId: app.group.appId,
            displayName: app.group.displayName,
            members: evidence.appMemberIds.length,
          },
    decisions: decisionsOf(evidence, context),
    ops: evidence.ops.map((op) => explainStoredOp(op, 'group', { group: () => label, user: userName })),
  };
}

function decisionsOf(evidence: GroupEvidence, context: ExplainSubjectContext): SubjectDecision[] {
  const idp = context.idpName;
  const have = evidence.app?.group ?? null;
  const inApp = have === null ? 'not in the app' : 'in the app';
  const group = evidence.idp?.group;
  if (group === undefined) {
    const text = `not in ${idp} any more → should be deleted from the app`;
    return [{ topic: 'scope', text, app: inApp, inStep: have === null }];
  }
  const directory = context.directory ?? groupSlice(group, evidence.idpMembers);
  const selection = policyDecisionsOf(directory, context.policy).groupSelection(group.id);
  const want = desiredStateOf(directory, context.policy).groups.get(group.id);
  if (!selection.selected || want === undefined) {
    const why =
      !selection.selected && selection.reason === 'built-in'
        ? 'built-in group'
        : 'the group is not pushed (policy scope.groups)';
    const text = `out of scope: ${why} → should not be in the app`;
    return [{ topic: 'scope', text, app: inApp, inStep: have === null }];
  }
  const appMembers = new Set(evidence.appMemberIds);
  const toAdd = [...want.members].filter((id) => !appMembers.has(id)).length;
  const toRemove = [...appMembers].filter((id) => !want.members.has(id)).length;
  const inactive = evidence.idpMembers.filter((user) => !user.active).length;
  const outOfScope = evidence.idpMembers.filter((user) => user.active && !want.members.has(user.id)).length;
  const directIds = new Set(evidence.idpMembers.map((user) => user.id));
  const nested = [...want.members].filter((id) => !directIds.has(id)).length;
  const ignored = [
    ...(inactive > 0 ? [`${inactive} not active`] : []),
    ...(outOfScope > 0 ? [`${outOfScope} out of scope`] : []),
    ...(nested > 0 ? [`${nested} more through nested groups`] : []),
    ...(evidence.otherIdpMembers > 0 ? [`${evidence.otherIdpMembers} not users`] : []),
  ];
  const direct = evidence.idpMembers.length + evidence.otherIdpMembers;
  const changes = toAdd + toRemove === 0 ? '' : ` (${toAdd} to add, ${toRemove} to remove)`;
  return [
    { topic: 'scope', text: `in ${idp}, in scope → should exist in the app`, app: inApp, inStep: have !== null },
    {
      topic: 'name',
      text: `named ${quoted(group.displayName)} in ${idp} → ${quoted(want.displayName)} in the app`,
      app: have === null ? null : quoted(have.displayName),
      inStep: have === null ? null : have.displayName === want.displayName,
    },
    {
      topic: 'members',
      text: `${count(direct, 'direct member')} in ${idp}${ignored.length === 0 ? '' : ` (${ignored.join(', ')})`} → ${count(want.members.size, 'member')} in the app`,
      app: have === null ? null : `${count(appMembers.size, 'member')}${changes}`,
      inStep: have === null ? null : toAdd + toRemove === 0,
    },
  ];
}

/** The directory as far as one group is concerned: the group and its direct members that are users. */
function groupSlice(group: DirectoryGroup, members: readonly DirectoryUser[]): Directory {
  return {
    users: new Map(members.map((user) => [user.id, user])),
    groups: new Map([[group.id, group]]),
    members: new Map([[group.id, new Set(members.map((user) => user.id))]]),
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function quoted(text: string): string {
  return `"${text}"`;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
