import type { DirectoryGroup } from './directory-group.js';
import type { DirectoryUser } from './directory-user.js';

/**
 * One fact a connector read from the IdP. A full read reports every object; the mirror then removes what
 * it did not see. An incremental read reports only what changed, deletions included.
 */
export type DirectoryChange =
  | { readonly type: 'user'; readonly user: DirectoryUser }
  | { readonly type: 'user.deleted'; readonly id: string }
  | { readonly type: 'group'; readonly group: DirectoryGroup }
  | { readonly type: 'group.deleted'; readonly id: string }
  /** The complete list of a group's direct members; several for one group in one read are concatenated. */
  | { readonly type: 'members.replace'; readonly groupId: string; readonly memberIds: readonly string[] }
  /** Member changes (Graph `members@delta`). */
  | {
      readonly type: 'members.delta';
      readonly groupId: string;
      readonly added: readonly string[];
      readonly removed: readonly string[];
    }
  /**
   * An object the IdP reported but dirsync cannot take (a field that fails validation, an unknown status, a
   * character or a length no app or database should get): it stays as the mirror last knew it (DESIGN "Safety").
   */
  | ({ readonly type: 'user.isolated'; readonly id: string } & Isolation)
  | ({ readonly type: 'group.isolated'; readonly id: string } & Isolation)
  /**
   * An object without any usable id (none, not a string, or one no database can store): it cannot be named nor
   * kept apart, only counted and logged.
   */
  | ({ readonly type: 'unidentified'; readonly kind: 'user' | 'group' } & Isolation);

/** Why an object was isolated. Never holds the offending value: it may be hostile (see `directory-object-check`). */
export interface Isolation {
  /** The field at fault, in the model's or the wire's terms (`displayName`, `status`, `profile.login`). */
  readonly field: string;
  /** One line for the operator, naming the field (`displayName contains a NUL byte (U+0000) at character 4`). */
  readonly reason: string;
}

/** One page of a read, as the connector fetched it. */
export interface DirectoryPage {
  readonly changes: readonly DirectoryChange[];
}
