import type { UserAttributes } from '../core/model/directory-user.js';
import type { ExtraAttributeChanges, ExtraAttributes } from '../core/model/extra-attributes.js';
import type { Op, OpKind } from '../core/planner/op.js';

/** A user as dirsync writes it to the app. */
export interface UserWrite extends UserAttributes {
  readonly externalId: string;
  readonly active: boolean;
  /** The policy's extra attributes by canonical SCIM path (`title`, `urn:…:User:workspaceAdmin`); absent: none. */
  readonly extra?: ExtraAttributes;
}

/** Only the attributes that differ; `active` for (re|de)activation; `extra`: new values, `null` to clear. */
export type UserChanges = Partial<UserAttributes> & {
  readonly active?: boolean;
  readonly extra?: ExtraAttributeChanges;
};

export interface GroupWrite {
  readonly externalId: string;
  readonly displayName: string;
}

/** A rename and/or member changes, members given by app id. */
export interface GroupChanges {
  readonly displayName?: string;
  readonly addMemberIds?: readonly string[];
  readonly removeMemberIds?: readonly string[];
}

export interface UpdateGroupOptions {
  /**
   * The run's stop signal (SIGTERM, a lost lease). Member changes go out in chunks, a thousand of them for a
   * 100 000-member group: the target stops between two chunks once it is aborted, throwing `RunStoppedError`. The
   * op stays attempted and the next run sends it again: adding or removing a member twice changes nothing.
   */
  readonly signal?: AbortSignal;
}

export interface CreateResult {
  /** The app's id for the object. */
  readonly appId: string;
  /** True when an app object dirsync did not create was found and linked instead (no invite for it). */
  readonly adopted: boolean;
}

export interface CreateOptions {
  /**
   * An earlier attempt of this very op may have reached the app before the process died: look the object up
   * (by `externalId`, then by `userName` / `displayName`) before creating, and adopt what is found.
   */
  readonly resumed: boolean;
  /**
   * `dirsync approve <op-key>` approved this create although the app's account looked like someone else's (a
   * recycled identity): adopt it on purpose instead of holding the op again.
   */
  readonly adoptHeld?: boolean;
  /**
   * The IdP id dirsync already links to an app id, if any: an app account dirsync knows under another IdP id is
   * a recycled identity, never adopted silently.
   */
  readonly linkedExternalIdOf?: (appId: string) => string | undefined;
}

/**
 * The app dirsync provisions into. Implementations throw `TargetError` (see `target-error.ts`), never raw
 * HTTP errors. Creating an object that already exists under the same `userName` / `displayName` adopts it:
 * the implementation links it (`externalId`), brings its attributes in line and returns `adopted: true` —
 * unless the account looks like someone else's (DESIGN "Adoption"): then it throws `OpHeldError` and writes
 * nothing, until the op is approved (`CreateOptions.adoptHeld`).
 */
export interface Target {
  readonly name: string;
  createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult>;
  updateUser(appId: string, changes: UserChanges): Promise<void>;
  createGroup(group: GroupWrite, options: CreateOptions): Promise<CreateResult>;
  updateGroup(appId: string, changes: GroupChanges, options?: UpdateGroupOptions): Promise<void>;
  deleteGroup(appId: string): Promise<void>;
  /**
   * Why the app cannot perform this op at all (its SCIM dialect has no PATCH, no member removal, …), or null when
   * it can. Asked before each write: such an op is not attempted but recorded as `unsupported` with the reason,
   * work for a person, never a failure (DESIGN "Unsupported ops"). Absent: the target supports every op.
   */
  unsupported?(op: Op): Promise<string | null>;
  /**
   * How many ops of this kind the target sends in one request (SCIM `/Bulk`: the app's `maxOperations`); absent or
   * 1: one request each. The apply keeps that many times more of them in flight, so that the requests go full.
   */
  opsPerRequest?(kind: OpKind): Promise<number>;
}
