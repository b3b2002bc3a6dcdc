import type { AppGroup, AppUser } from '../model/app-state.js';
import type { DirectoryGroup } from '../model/directory-group.js';
import type { DirectoryUser } from '../model/directory-user.js';
import type { OpHold } from '../planner/op-hold.js';

/** The run an op was last planned in. */
export interface RunReference {
  readonly id: string;
  /** `cli`, `schedule`, `manual`. */
  readonly trigger: string;
  /** `full` or `incremental`. */
  readonly mode: string;
  readonly status: string;
  readonly startedAt: string;
}

/** One row of the outbox as stored: what was planned, how far it got, and what the app answered. */
export interface OpRecord {
  readonly key: string;
  readonly kind: string;
  /** `pending`, `applied`, `failed`, `skipped`, `superseded` (and whatever later versions add). */
  readonly status: string;
  readonly attempts: number;
  /** The app's answer to a failed op, or why an op was skipped. */
  readonly lastError: string | null;
  /** The op as planned (its JSON), for its details: attributes, changes, members. */
  readonly payload: unknown;
  readonly createdAt: string;
  /** When it last changed (applied, failed, attempted, re-planned). */
  readonly updatedAt: string;
  /** Null when the run row is gone. */
  readonly run: RunReference | null;
  /** Why a held op waits for a person (a recycled identity, a look-alike login); kept after approval. */
  readonly hold?: OpHold | null;
  /** When `dirsync approve <op-key>` approved it; null while it waits. */
  readonly approvedAt?: string | null;
}

/** A user's invite as stored. */
export interface InviteRecord {
  readonly email: string;
  readonly displayName: string;
  /** `not-invited`, `due`, `sent` or `accepted`. */
  readonly status: string;
  /** The stable Message-ID, set at the first attempt. */
  readonly messageId: string | null;
  readonly attempts: number;
  /** When the invite became due (the create was recorded). */
  readonly dueSince: string;
  readonly sentAt: string | null;
  /** The send that is due, or the last one sent (absent in records from before resends: 1). */
  readonly sendNumber?: number;
  /** `invite`, `resend` or `reminder`: of the due send. */
  readonly kind?: string;
  /** When the person joined the app (`dirsync invites accepted`). */
  readonly acceptedAt?: string | null;
  /** Every send the mail server accepted, oldest first. */
  readonly history?: readonly InviteSendRecord[];
}

/** One send the mail server accepted. */
export interface InviteSendRecord {
  readonly sendNumber: number;
  readonly kind: string;
  readonly email: string;
  readonly messageId: string | null;
  readonly note: string | null;
  readonly attempts: number;
  readonly sentAt: string;
}

/** How a user other than the subject is named: its login and display name, as the mirror (or the app) knows it. */
export interface UserName {
  readonly userName: string;
  readonly displayName: string;
}

/** Everything stored about one user of a connection: the `why` of that person. */
export interface UserEvidence {
  readonly type: 'user';
  /** The IdP id (the app's `externalId`). */
  readonly id: string;
  /** The mirrored record and when a read last reported it; null when the IdP no longer has the user. */
  readonly idp: { readonly user: DirectoryUser; readonly seenAt: string } | null;
  /** What dirsync knows the app holds; null when it never reached the app. */
  readonly app: { readonly user: AppUser; readonly updatedAt: string } | null;
  /** The IdP groups that list the user as a direct member. */
  readonly idpGroups: readonly DirectoryGroup[];
  /** The app groups the user is in, as far as dirsync knows. */
  readonly appGroups: readonly { readonly externalId: string; readonly displayName: string }[];
  /** Its own ops and the membership ops that name it, newest last. */
  readonly ops: readonly OpRecord[];
  readonly invite: InviteRecord | null;
  /** Names of the groups the ops mention, by IdP id. */
  readonly groupNames: ReadonlyMap<string, string>;
}

/** Everything stored about one group of a connection. */
export interface GroupEvidence {
  readonly type: 'group';
  readonly id: string;
  readonly idp: { readonly group: DirectoryGroup; readonly seenAt: string } | null;
  readonly app: { readonly group: AppGroup; readonly updatedAt: string } | null;
  /** Its direct members that are users of the mirror. */
  readonly idpMembers: readonly DirectoryUser[];
  /** Direct members that are not users of the mirror (nested groups, devices, …): ignored by the scope. */
  readonly otherIdpMembers: number;
  /** The user externalIds the app group holds, as far as dirsync knows. */
  readonly appMemberIds: readonly string[];
  readonly ops: readonly OpRecord[];
  /** Names of the users the ops and the app's members mention, by IdP id. */
  readonly userNames: ReadonlyMap<string, UserName>;
}

export type SubjectEvidence = UserEvidence | GroupEvidence;
