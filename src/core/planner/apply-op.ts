import type { AppGroup, AppState, AppUser, DueInvite } from '../model/app-state.js';
import type { ExtraAttributeChanges, ExtraAttributes, ScimAttributeValue } from '../model/extra-attributes.js';
import type { Op } from './op.js';

/** What the target reported for a create. */
export interface CreateOutcome {
  readonly appId: string;
  readonly adopted: boolean;
}

/** The known app state, mutable: the apply loop keeps one in memory and mutates it op by op. */
export interface MutableAppState {
  readonly users: Map<string, AppUser>;
  readonly groups: Map<string, AppGroup>;
  readonly members: Map<string, Set<string>>;
  readonly dueInvites: Map<string, DueInvite>;
}

/** A change to the known app state, persisted in the same transaction that marks the op applied. */
export type StateEffect =
  | { readonly type: 'user.put'; readonly user: AppUser }
  | { readonly type: 'group.put'; readonly group: AppGroup }
  | { readonly type: 'group.removed'; readonly externalId: string }
  | { readonly type: 'members.added'; readonly groupExternalId: string; readonly userExternalIds: readonly string[] }
  | { readonly type: 'members.removed'; readonly groupExternalId: string; readonly userExternalIds: readonly string[] }
  | { readonly type: 'invite.due'; readonly invite: DueInvite }
  /** A person created or adopted without an invite (invites off, quiet first sync, adoption): `not-invited`. */
  | {
      readonly type: 'invite.none';
      readonly userExternalId: string;
      readonly email: string;
      readonly displayName: string;
    }
  | { readonly type: 'invite.sent'; readonly invite: DueInvite };

export function cloneAppState(state: AppState): MutableAppState {
  return {
    users: new Map(state.users),
    groups: new Map(state.groups),
    members: new Map([...state.members].map(([group, members]) => [group, new Set(members)])),
    dueInvites: new Map(state.dueInvites),
  };
}

/**
 * Members of a membership op that the app can be told about: users the app already holds. A user whose create
 * failed is left out; the next plan adds them once they exist.
 */
export function resolvableMembers(state: AppState | MutableAppState, userExternalIds: readonly string[]): string[] {
  return userExternalIds.filter((id) => state.users.has(id));
}

/**
 * The state transition of one applied op: mutates `state` and returns what changed. This is the single
 * definition of what an op does to the known app state; the store persists the effects it returns.
 * `created` is required for creates (what the target answered) and ignored otherwise.
 */
export function applyOp(state: MutableAppState, op: Op, created?: CreateOutcome): StateEffect[] {
  switch (op.kind) {
    case 'user.create': {
      if (created === undefined) throw new Error(`applyOp(${op.key}) needs the create outcome`);
      const user: AppUser = {
        externalId: op.externalId,
        appId: created.appId,
        ...op.attributes,
        active: true,
        origin: created.adopted ? 'adopted' : 'created',
        revision: 1,
        ...(op.extra === undefined || Object.keys(op.extra).length === 0 ? {} : { extra: op.extra }),
      };
      state.users.set(user.externalId, user);
      const effects: StateEffect[] = [{ type: 'user.put', user }];
      // An adopted user already had an account: no invite (DESIGN "Invites"), but an admin may send one later.
      if (op.invite && !created.adopted) {
        const invite: DueInvite = {
          userExternalId: op.externalId,
          email: op.attributes.email,
          displayName: op.attributes.displayName,
          sendNumber: 1,
          kind: 'invite',
        };
        state.dueInvites.set(invite.userExternalId, invite);
        effects.push({ type: 'invite.due', invite });
      } else {
        const { email, displayName } = op.attributes;
        effects.push({ type: 'invite.none', userExternalId: op.externalId, email, displayName });
      }
      return effects;
    }
    case 'user.update':
    case 'user.reactivate':
    case 'user.deactivate': {
      const have = requireUser(state, op.externalId, op.key);
      const { extra: extraChanges, ...changes } = op.kind === 'user.deactivate' ? {} : op.changes;
      const extra = withExtraChanges(have.extra, extraChanges);
      const { extra: _previous, ...rest } = have;
      // Assigned onto a new object, not spread at its head: V8 gives each object made by a leading spread a hidden
      // class of its own (see `withKey` in key-ops.ts), and a policy change may update every user of the app.
      const user: AppUser = Object.assign({}, rest, changes, {
        active: op.kind === 'user.update' ? have.active : op.kind === 'user.reactivate',
        revision: have.revision + 1,
        ...(Object.keys(extra).length === 0 ? {} : { extra }),
      });
      state.users.set(user.externalId, user);
      return [{ type: 'user.put', user }];
    }
    case 'group.create': {
      if (created === undefined) throw new Error(`applyOp(${op.key}) needs the create outcome`);
      const group: AppGroup = {
        externalId: op.externalId,
        appId: created.appId,
        displayName: op.displayName,
        revision: 1,
      };
      state.groups.set(group.externalId, group);
      // An adopted group may have had members of its own; dirsync manages only the members it knows it added.
      state.members.set(group.externalId, new Set());
      return [{ type: 'group.put', group }];
    }
    case 'group.rename': {
      const have = requireGroup(state, op.externalId, op.key);
      const group: AppGroup = { ...have, displayName: op.displayName, revision: have.revision + 1 };
      state.groups.set(group.externalId, group);
      return [{ type: 'group.put', group }];
    }
    case 'members.add':
    case 'members.remove': {
      const have = requireGroup(state, op.groupExternalId, op.key);
      const ids = resolvableMembers(state, op.userExternalIds);
      const members = state.members.get(have.externalId) ?? new Set<string>();
      for (const id of ids) {
        if (op.kind === 'members.add') members.add(id);
        else members.delete(id);
      }
      state.members.set(have.externalId, members);
      const group: AppGroup = { ...have, revision: have.revision + 1 };
      state.groups.set(group.externalId, group);
      return [
        { type: 'group.put', group },
        op.kind === 'members.add'
          ? { type: 'members.added', groupExternalId: group.externalId, userExternalIds: ids }
          : { type: 'members.removed', groupExternalId: group.externalId, userExternalIds: ids },
      ];
    }
    case 'group.delete': {
      state.groups.delete(op.externalId);
      state.members.delete(op.externalId);
      return [{ type: 'group.removed', externalId: op.externalId }];
    }
    case 'invite.send': {
      const invite = state.dueInvites.get(op.userExternalId);
      if (invite === undefined) return [];
      state.dueInvites.delete(op.userExternalId);
      return [{ type: 'invite.sent', invite }];
    }
  }
}

/** The extra attributes after a change: new values set, `null` ones cleared. */
function withExtraChanges(
  have: ExtraAttributes | undefined,
  changes: ExtraAttributeChanges | undefined,
): ExtraAttributes {
  const extra = new Map<string, ScimAttributeValue>(Object.entries(have ?? {}));
  for (const [path, value] of Object.entries(changes ?? {})) {
    if (value === null) extra.delete(path);
    else extra.set(path, value);
  }
  return Object.fromEntries(extra);
}

function requireUser(state: MutableAppState, externalId: string, key: string): AppUser {
  const user = state.users.get(externalId);
  if (user === undefined) throw new Error(`${key}: the app user ${externalId} is not in the known app state`);
  return user;
}

function requireGroup(state: MutableAppState, externalId: string, key: string): AppGroup {
  const group = state.groups.get(externalId);
  if (group === undefined) throw new Error(`${key}: the app group ${externalId} is not in the known app state`);
  return group;
}
