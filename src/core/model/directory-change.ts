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
    };

/** One page of a read, as the connector fetched it. */
export interface DirectoryPage {
  readonly changes: readonly DirectoryChange[];
}
