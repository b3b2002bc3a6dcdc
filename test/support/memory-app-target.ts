import type { ExtraAttributeChanges, ExtraAttributes } from '../../src/core/model/extra-attributes.js';
import type {
  CreateOptions,
  CreateResult,
  GroupChanges,
  GroupWrite,
  Target,
  UserChanges,
  UserWrite,
} from '../../src/targets/target.js';
import { TargetError } from '../../src/targets/target-error.js';

interface StoredUser extends UserWrite {
  readonly id: string;
}

/**
 * A test implementation of the Target port: an app held in memory, with adoption by userName and a log of
 * every write. Integration tests of the real SCIM target run against the SCIM test server instead.
 */
export class MemoryAppTarget implements Target {
  readonly name = 'memory';
  readonly users = new Map<string, StoredUser>();
  readonly groups = new Map<string, { id: string; externalId: string; displayName: string; members: Set<string> }>();
  readonly writes: string[] = [];
  /** Fail the next writes whose description starts with a prefix, e.g. `createUser:alice`. */
  readonly failures: { prefix: string; error: TargetError }[] = [];
  private next = 1;

  seedUser(user: Omit<StoredUser, 'id'> & { id?: string }): string {
    const id = user.id ?? `app-${this.next++}`;
    this.users.set(id, { ...user, id });
    return id;
  }

  createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    return this.write(`createUser:${user.userName}`, () => {
      const byName = [...this.users.values()].find((u) => u.userName.toLowerCase() === user.userName.toLowerCase());
      const byExternal = [...this.users.values()].find((u) => u.externalId === user.externalId);
      if (options.resumed && byExternal) return { appId: byExternal.id, adopted: false };
      if (byName) {
        // An adoption writes dirsync's extra attributes over the account's; the others stay, as in a SCIM app.
        const extra = mergedExtra(byName.extra, user.extra);
        this.users.set(byName.id, { ...byName, ...user, id: byName.id, ...(extra === undefined ? {} : { extra }) });
        return { appId: byName.id, adopted: true };
      }
      const id = `app-${this.next++}`;
      this.users.set(id, { ...user, id });
      return { appId: id, adopted: false };
    });
  }

  updateUser(appId: string, changes: UserChanges): Promise<void> {
    return this.write(`updateUser:${appId}:${Object.keys(changes).join(',')}`, () => {
      const user = this.users.get(appId);
      if (!user) throw new TargetError('not_found', `no user ${appId}`, { status: 404 });
      const { extra: extraChanges, ...attributes } = changes;
      const updated: { -readonly [K in keyof StoredUser]: StoredUser[K] } = { ...user, ...attributes };
      const extra = mergedExtra(user.extra, extraChanges);
      if (extra === undefined) delete updated.extra;
      else updated.extra = extra;
      this.users.set(appId, updated);
    });
  }

  createGroup(group: GroupWrite, options: CreateOptions): Promise<CreateResult> {
    return this.write(`createGroup:${group.displayName}`, () => {
      const existing = [...this.groups.values()].find(
        (g) => g.displayName === group.displayName || (options.resumed && g.externalId === group.externalId),
      );
      if (existing) {
        const adopted = existing.externalId !== group.externalId;
        this.groups.set(existing.id, { ...existing, externalId: group.externalId });
        return { appId: existing.id, adopted };
      }
      const id = `grp-${this.next++}`;
      this.groups.set(id, { id, ...group, members: new Set() });
      return { appId: id, adopted: false };
    });
  }

  updateGroup(appId: string, changes: GroupChanges): Promise<void> {
    return this.write(`updateGroup:${appId}`, () => {
      const group = this.groups.get(appId);
      if (!group) throw new TargetError('not_found', `no group ${appId}`, { status: 404 });
      const members = new Set(group.members);
      for (const id of changes.addMemberIds ?? []) members.add(id);
      for (const id of changes.removeMemberIds ?? []) members.delete(id);
      this.groups.set(appId, { ...group, displayName: changes.displayName ?? group.displayName, members });
    });
  }

  deleteGroup(appId: string): Promise<void> {
    return this.write(`deleteGroup:${appId}`, () => {
      this.groups.delete(appId);
    });
  }

  userByName(userName: string): StoredUser | undefined {
    return [...this.users.values()].find((u) => u.userName.toLowerCase() === userName.toLowerCase());
  }

  groupByName(displayName: string) {
    return [...this.groups.values()].find((g) => g.displayName === displayName);
  }

  private write<T>(description: string, action: () => T): Promise<T> {
    const failure = this.failures.findIndex((f) => description.startsWith(f.prefix));
    if (failure >= 0) {
      const [removed] = this.failures.splice(failure, 1);
      return Promise.reject(removed!.error);
    }
    this.writes.push(description);
    return Promise.resolve(action());
  }
}

/**
 * The extra attributes the app holds after a write, as a SCIM app keeps them: each one written replaces its value,
 * `null` clears it, the others stay. `undefined` when none is left.
 */
function mergedExtra(
  current: ExtraAttributes | undefined,
  changes: ExtraAttributeChanges | undefined,
): ExtraAttributes | undefined {
  const merged: Record<string, ExtraAttributes[string]> = { ...current };
  for (const [key, value] of Object.entries(changes ?? {})) {
    if (value === null) Reflect.deleteProperty(merged, key);
    else merged[key] = value;
  }
  return Object.keys(merged).length === 0 ? undefined : merged;
}
