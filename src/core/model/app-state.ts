import type { UserAttributes } from './directory-user.js';
import type { ExtraAttributes } from './extra-attributes.js';

/** How an app user came to be linked to the directory. */
export type AppUserOrigin = 'created' | 'adopted';

/** An app user that dirsync created or adopted: what we know the app holds. */
export interface AppUser extends UserAttributes {
  /** The IdP id (SCIM `externalId`). */
  readonly externalId: string;
  /** The app's own id (SCIM `id`). */
  readonly appId: string;
  readonly active: boolean;
  readonly origin: AppUserOrigin;
  /** Bumped by every applied op on this user: makes idempotency keys unique per occurrence yet stable on re-plan. */
  readonly revision: number;
  /** The policy's extra attributes as dirsync last wrote them (absent: none). */
  readonly extra?: ExtraAttributes;
}

export interface AppGroup {
  readonly externalId: string;
  readonly appId: string;
  readonly displayName: string;
  readonly revision: number;
}

/** Why an invite mail goes out: the first invite, an admin's resend, or a reminder (DESIGN "Invites lifecycle"). */
export type InviteKind = 'invite' | 'resend' | 'reminder';

/**
 * An invite mail owed to a person: the first one to a user dirsync created active (to the e-mail the user had then),
 * or one an admin or a reminder asked for.
 */
export interface DueInvite {
  readonly userExternalId: string;
  readonly email: string;
  readonly displayName: string;
  /** 1 for the first mail to this person, then 2, 3…: part of the op's key and of the mail's Message-ID. */
  readonly sendNumber: number;
  readonly kind: InviteKind;
  /** The admin's personal note (`invites resend --message`). */
  readonly note?: string;
}

/** What the app holds, as far as dirsync knows (it is the only writer of the objects it manages). */
export interface AppState {
  readonly users: ReadonlyMap<string, AppUser>;
  readonly groups: ReadonlyMap<string, AppGroup>;
  /** Member user externalIds by group externalId. */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
  /** Invites due and not yet sent, by user externalId. */
  readonly dueInvites: ReadonlyMap<string, DueInvite>;
}

export const EMPTY_APP_STATE: AppState = {
  users: new Map(),
  groups: new Map(),
  members: new Map(),
  dueInvites: new Map(),
};
