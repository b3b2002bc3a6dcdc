import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import type { DirectoryGroup } from '../../src/core/model/directory-group.js';
import type { DirectoryUser } from '../../src/core/model/directory-user.js';
import { idpAttributesOf } from '../../src/core/mapping/idp-attributes.js';
import { oktaUserToDirectoryUser } from '../../src/core/mapping/okta-user-mapping.js';
import type { OktaInvalidItem } from './okta-items.js';
import type { OktaGroup, OktaLogEvent, OktaUser } from './okta-wire.js';

/** The System Log event types that mean a deletion. */
export const OKTA_USER_DELETED_EVENT = 'user.lifecycle.delete.initiated';
export const OKTA_GROUP_DELETED_EVENT = 'group.lifecycle.delete';

/** The user, with every attribute of its profile (custom ones included) by its profile name, for the policy. */
export function oktaUserToModel(user: OktaUser): DirectoryUser {
  // Not a leading spread: V8 gives each object cloned that way a hidden class of its own (see `withKey` in
  // src/core/planner/key-ops.ts), and a read holds every user it made until the mirror has them.
  return Object.assign(oktaUserToDirectoryUser(user), { attributes: idpAttributesOf(user.profile) });
}

export function oktaGroupToModel(group: OktaGroup): DirectoryGroup {
  return {
    id: group.id,
    displayName: group.profile.name,
    builtIn: group.type === 'BUILT_IN',
    attributes: { ...idpAttributesOf(group.profile), type: group.type },
  };
}

/** `user.deleted` / `group.deleted` for a deletion event; nothing for other events or targets. */
export function oktaLogEventToChanges(event: OktaLogEvent): DirectoryChange[] {
  if (event.eventType === OKTA_USER_DELETED_EVENT) {
    return event.target
      .filter((target) => target.type === 'User')
      .map((target) => ({ type: 'user.deleted', id: target.id }));
  }
  if (event.eventType === OKTA_GROUP_DELETED_EVENT) {
    return event.target
      .filter((target) => target.type === 'UserGroup')
      .map((target) => ({ type: 'group.deleted', id: target.id }));
  }
  return [];
}

/**
 * A user or group object Okta sent that its schema refused (an unknown status, a missing login, a mistyped field):
 * isolated under its id, or counted as unidentified when it has none (DESIGN "Safety").
 */
export function oktaInvalidItemToChange(kind: 'user' | 'group', item: OktaInvalidItem): DirectoryChange {
  const isolation = { field: item.field, reason: item.reason };
  if (item.id === undefined) return { type: 'unidentified', kind, ...isolation };
  return kind === 'user'
    ? { type: 'user.isolated', id: item.id, ...isolation }
    : { type: 'group.isolated', id: item.id, ...isolation };
}
