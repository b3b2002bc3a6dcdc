import { randomUUID } from 'node:crypto';
import { createOktaIdGenerator } from './okta-ids.js';
import type {
  OktaAppRecord,
  OktaClock,
  OktaGroupRecord,
  OktaLogEventRecord,
  OktaLogTarget,
  OktaUserProfile,
  OktaUserRecord,
  OktaUserStatus,
} from './okta-records.js';

export interface NewOktaUser {
  profile: OktaUserProfile;
  /** Default `ACTIVE`. */
  status?: OktaUserStatus;
}

export interface NewOktaGroup {
  name: string;
  description?: string;
  /** Default `OKTA_GROUP`; `BUILT_IN` is reserved for Everyone. */
  type?: 'OKTA_GROUP' | 'APP_GROUP';
}

/**
 * The org's state and the mutators tests drive it with. Every mutation stamps times from the injected clock and
 * bumps `lastUpdated` / `lastMembershipUpdated` the way Okta does; deletions append System Log events.
 */
export class OktaStore {
  readonly users = new Map<string, OktaUserRecord>();
  readonly groups = new Map<string, OktaGroupRecord>();
  readonly apps = new Map<string, OktaAppRecord>();
  readonly logEvents: OktaLogEventRecord[] = [];
  readonly everyoneGroupId: string;
  private readonly nextId = createOktaIdGenerator();

  constructor(private readonly clock: OktaClock) {
    const now = this.now();
    this.everyoneGroupId = this.nextId('00g');
    this.groups.set(this.everyoneGroupId, {
      id: this.everyoneGroupId,
      type: 'BUILT_IN',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: 'Everyone', description: 'All users in your organization' },
      members: new Set(),
    });
  }

  createUser(input: NewOktaUser): OktaUserRecord {
    const now = this.now();
    const status = input.status ?? 'ACTIVE';
    const user: OktaUserRecord = {
      id: this.nextId('00u'),
      status,
      created: now,
      activated: status === 'STAGED' || status === 'PROVISIONED' ? null : now,
      statusChanged: status === 'STAGED' ? null : now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: status === 'ACTIVE' ? now : null,
      profile: { ...input.profile },
    };
    this.users.set(user.id, user);
    this.touchMembership(this.everyoneGroupId);
    return user;
  }

  /** Merges `profile` into the user's profile and bumps `lastUpdated`. */
  updateUser(id: string, profile: Partial<OktaUserProfile>): OktaUserRecord {
    const user = this.user(id);
    user.profile = { ...user.profile, ...profile };
    user.lastUpdated = this.now();
    return user;
  }

  setStatus(id: string, status: OktaUserStatus): OktaUserRecord {
    const user = this.user(id);
    const now = this.now();
    if (status === 'ACTIVE' && user.activated === null) user.activated = now;
    user.status = status;
    user.statusChanged = now;
    user.lastUpdated = now;
    return user;
  }

  /**
   * Serves `fields` in place of the user's own top-level fields from now on (`{ status: 'PENDING' }`), or the user as
   * recorded again with `undefined`; bumps `lastUpdated` either way, so an incremental read sees the change.
   */
  setWireOverride(id: string, fields: Record<string, unknown> | undefined): OktaUserRecord {
    const user = this.user(id);
    if (fields === undefined) delete user.wire;
    else user.wire = { ...fields };
    user.lastUpdated = this.now();
    return user;
  }

  recordLogin(id: string): void {
    const user = this.user(id);
    user.lastLogin = this.now();
  }

  /**
   * Okta deletes only a DEPROVISIONED user (deleting an active one first deactivates it); the System Log records
   * `user.lifecycle.delete.initiated` with the user as target.
   */
  deleteUser(id: string): void {
    const user = this.user(id);
    if (user.status !== 'DEPROVISIONED') throw new Error(`user ${id} is ${user.status}: deactivate it first`);
    this.users.delete(id);
    for (const group of this.groups.values()) {
      if (group.members.delete(id) || group.id === this.everyoneGroupId) this.touchMembership(group.id);
    }
    for (const app of this.apps.values()) app.users.delete(id);
    this.appendLog('user.lifecycle.delete.initiated', 'Delete Okta user', {
      id,
      type: 'User',
      alternateId: user.profile.login,
      displayName: `${user.profile.firstName} ${user.profile.lastName}`,
    });
  }

  createGroup(input: NewOktaGroup): OktaGroupRecord {
    const now = this.now();
    const group: OktaGroupRecord = {
      id: this.nextId('00g'),
      type: input.type ?? 'OKTA_GROUP',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: input.name, description: input.description ?? '' },
      members: new Set(),
    };
    this.groups.set(group.id, group);
    return group;
  }

  renameGroup(id: string, name: string, description?: string): OktaGroupRecord {
    const group = this.group(id);
    group.profile = { name, description: description ?? group.profile.description };
    group.lastUpdated = this.now();
    return group;
  }

  /** Records `group.lifecycle.delete` with the group as target. */
  deleteGroup(id: string): void {
    const group = this.group(id);
    if (group.type === 'BUILT_IN') throw new Error('the built-in Everyone group cannot be deleted');
    this.groups.delete(id);
    for (const app of this.apps.values()) app.groups.delete(id);
    this.appendLog('group.lifecycle.delete', 'Delete Okta group', {
      id,
      type: 'UserGroup',
      alternateId: group.profile.name,
      displayName: group.profile.name,
    });
  }

  /** Membership changes bump `lastMembershipUpdated`, not `lastUpdated`, as Okta documents for groups. */
  addMember(groupId: string, userId: string): void {
    this.user(userId);
    const group = this.group(groupId);
    if (group.type === 'BUILT_IN') throw new Error('Everyone membership is implicit');
    group.members.add(userId);
    this.touchMembership(groupId);
  }

  removeMember(groupId: string, userId: string): void {
    const group = this.group(groupId);
    if (group.members.delete(userId)) this.touchMembership(groupId);
  }

  groupMemberIds(groupId: string): string[] {
    const group = this.group(groupId);
    return group.type === 'BUILT_IN' ? [...this.users.keys()] : [...group.members];
  }

  createApp(label: string): OktaAppRecord {
    const app: OktaAppRecord = { id: this.nextId('0oa'), label, users: new Map(), groups: new Map() };
    this.apps.set(app.id, app);
    return app;
  }

  assignUserToApp(appId: string, userId: string): void {
    this.user(userId);
    this.app(appId).users.set(userId, this.now());
  }

  assignGroupToApp(appId: string, groupId: string): void {
    this.group(groupId);
    this.app(appId).groups.set(groupId, this.now());
  }

  unassignUserFromApp(appId: string, userId: string): void {
    this.app(appId).users.delete(userId);
  }

  unassignGroupFromApp(appId: string, groupId: string): void {
    this.app(appId).groups.delete(groupId);
  }

  /** Appends any System Log event; the mutators use it for the lifecycle events they emit. */
  appendLog(eventType: string, displayMessage: string, ...target: OktaLogTarget[]): OktaLogEventRecord {
    const event: OktaLogEventRecord = {
      sequence: this.logEvents.length + 1,
      uuid: randomUUID(),
      published: this.now(),
      eventType,
      displayMessage,
      target,
    };
    this.logEvents.push(event);
    return event;
  }

  user(id: string): OktaUserRecord {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    return user;
  }

  group(id: string): OktaGroupRecord {
    const group = this.groups.get(id);
    if (group === undefined) throw new Error(`no group ${id}`);
    return group;
  }

  app(id: string): OktaAppRecord {
    const app = this.apps.get(id);
    if (app === undefined) throw new Error(`no app ${id}`);
    return app;
  }

  private touchMembership(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group !== undefined) group.lastMembershipUpdated = this.now();
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
