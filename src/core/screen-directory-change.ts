import {
  checkDirectoryGroup,
  checkDirectoryId,
  checkDirectoryUser,
  checkField,
  type DirectoryObjectCheck,
} from './directory-object-check.js';
import type { DirectoryChange, Isolation } from './model/directory-change.js';

/**
 * What the mirror may take of one change a connector yielded, whatever the connector (Okta, Graph, the sandbox):
 * a user or group that fails `directory-object-check` becomes `user.isolated` / `group.isolated` (or
 * `unidentified` when its id itself is unusable); ids no row can be keyed by are dropped from deletions and member
 * lists (no stored object has such an id); null drops the whole change.
 */
export function screenDirectoryChange(change: DirectoryChange): DirectoryChange | null {
  switch (change.type) {
    case 'user': {
      const check = checkDirectoryUser(change.user);
      return check.verdict === 'clean' ? change : isolatedChange('user', change.user.id, check);
    }
    case 'group': {
      const check = checkDirectoryGroup(change.group);
      return check.verdict === 'clean' ? change : isolatedChange('group', change.group.id, check);
    }
    case 'user.deleted':
    case 'group.deleted':
      return usable(change.id) ? change : null;
    case 'user.isolated':
    case 'group.isolated': {
      const id = checkDirectoryId(change.id);
      const isolation = safeIsolation(change);
      if (id === null) return { ...change, ...isolation };
      return { type: 'unidentified', kind: change.type === 'user.isolated' ? 'user' : 'group', ...id };
    }
    case 'unidentified':
      return { ...change, ...safeIsolation(change) };
    case 'members.replace':
      if (!usable(change.groupId)) return null;
      return { ...change, memberIds: change.memberIds.filter(usable) };
    case 'members.delta':
      if (!usable(change.groupId)) return null;
      return { ...change, added: change.added.filter(usable), removed: change.removed.filter(usable) };
  }
}

function isolatedChange(
  kind: 'user' | 'group',
  id: string,
  check: Exclude<DirectoryObjectCheck, { verdict: 'clean' }>,
): DirectoryChange {
  if (check.verdict === 'unidentified') return { type: 'unidentified', kind, ...check.isolation };
  return kind === 'user'
    ? { type: 'user.isolated', id, ...check.isolation }
    : { type: 'group.isolated', id, ...check.isolation };
}

function usable(id: string): boolean {
  return checkDirectoryId(id) === null;
}

/**
 * A connector's reason goes to logs and to a database row like the object's name would: it is built from the
 * schema's field names, never from the value, but a reason no row could hold is replaced rather than trusted.
 */
function safeIsolation(isolation: Isolation): Isolation {
  const field = checkField(isolation.field, FIELD_SPEC) === null ? isolation.field : 'record';
  const reason =
    checkField(isolation.reason, REASON_SPEC) === null
      ? isolation.reason
      : `${field} failed the connector's validation`;
  return { field, reason };
}

const FIELD_SPEC = { field: 'field', rule: 'identifier', limit: 128, required: true } as const;
const REASON_SPEC = { field: 'reason', rule: 'name', limit: 1024, required: true } as const;
