/** The user statuses Okta documents for the Users API. */
export type OktaUserStatus =
  'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'RECOVERY' | 'PASSWORD_EXPIRED' | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED';

export type OktaGroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

/** Where the emulator reads the time; tests pass a fake to make timestamps and rate-limit windows deterministic. */
export interface OktaClock {
  now(): Date;
}

export const systemOktaClock: OktaClock = { now: () => new Date() };

export interface OktaUserProfile {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName?: string;
  [attribute: string]: unknown;
}

export interface OktaUserRecord {
  id: string;
  status: OktaUserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: OktaUserProfile;
  /**
   * Top-level fields served in place of the record's own (a status Okta introduced after dirsync was written, a
   * profile without `login`, an id of the wrong type…): how tests make the org send a malformed user.
   */
  wire?: Record<string, unknown>;
}

export interface OktaGroupRecord {
  id: string;
  type: OktaGroupType;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  profile: { name: string; description: string };
  /** Member user ids; the built-in Everyone group ignores this and contains every user. */
  members: Set<string>;
}

export interface OktaAppRecord {
  id: string;
  label: string;
  /** Directly assigned user ids → assignment time. */
  users: Map<string, string>;
  /** Assigned group ids → assignment time. */
  groups: Map<string, string>;
}

export interface OktaLogTarget {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
}

export interface OktaLogEventRecord {
  /** Persistence order; the opaque `after` cursor of the System Log encodes it. */
  sequence: number;
  uuid: string;
  published: string;
  eventType: string;
  displayMessage: string;
  target: OktaLogTarget[];
}
