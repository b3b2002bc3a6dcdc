import type { OktaAppRecord, OktaGroupRecord, OktaLogEventRecord, OktaUserRecord } from './okta-records.js';

/** The wire shapes of the Users, Groups, App assignment and System Log APIs, built from the store's records. */
export function userJson(orgUrl: string, user: OktaUserRecord): Record<string, unknown> {
  return {
    id: user.id,
    status: user.status,
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: 'otyemulatordefault0' },
    profile: { ...user.profile },
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${orgUrl}/api/v1/users/${user.id}` } },
    ...user.wire,
  };
}

export function groupJson(orgUrl: string, group: OktaGroupRecord): Record<string, unknown> {
  return {
    id: group.id,
    created: group.created,
    lastUpdated: group.lastUpdated,
    lastMembershipUpdated: group.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: group.type,
    profile: { ...group.profile },
    _links: {
      logo: [],
      users: { href: `${orgUrl}/api/v1/groups/${group.id}/users` },
      apps: { href: `${orgUrl}/api/v1/groups/${group.id}/apps` },
    },
  };
}

/** An app user: `scope` is `USER` for a direct assignment, `GROUP` when it comes through an assigned group. */
export function appUserJson(
  orgUrl: string,
  app: OktaAppRecord,
  user: OktaUserRecord,
  scope: 'USER' | 'GROUP',
  assigned: string,
): Record<string, unknown> {
  return {
    id: user.id,
    externalId: null,
    created: assigned,
    lastUpdated: assigned,
    scope,
    status: user.status === 'DEPROVISIONED' ? 'INACTIVE' : 'ACTIVE',
    statusChanged: assigned,
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: user.profile.login },
    profile: {},
    _links: {
      app: { href: `${orgUrl}/api/v1/apps/${app.id}` },
      user: { href: `${orgUrl}/api/v1/users/${user.id}` },
    },
  };
}

export function appGroupJson(orgUrl: string, app: OktaAppRecord, groupId: string, assigned: string) {
  return {
    id: groupId,
    lastUpdated: assigned,
    priority: 0,
    profile: {},
    _links: {
      app: { href: `${orgUrl}/api/v1/apps/${app.id}` },
      group: { href: `${orgUrl}/api/v1/groups/${groupId}` },
    },
  };
}

export function logEventJson(event: OktaLogEventRecord): Record<string, unknown> {
  return {
    uuid: event.uuid,
    published: event.published,
    eventType: event.eventType,
    version: '0',
    severity: 'INFO',
    legacyEventType: null,
    displayMessage: event.displayMessage,
    actor: { id: '0oaemulatoradmin', type: 'PublicClientApp', alternateId: 'dirsync-tests', displayName: 'tests' },
    client: null,
    outcome: { result: 'SUCCESS', reason: null },
    transaction: { type: 'WEB', id: event.uuid, detail: {} },
    debugContext: { debugData: {} },
    target: event.target.map((target) => ({ ...target, detailEntry: null })),
  };
}
