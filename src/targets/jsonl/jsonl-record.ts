import type { GroupChanges, GroupWrite, UserChanges, UserWrite } from '../target.js';

/**
 * One line of the JSONL target's file: one applied write. `at` is an ISO 8601 timestamp; `appId` is the id
 * the target gave the object (`u-<externalId>` for users, `g-<externalId>` for groups). A user's `extra` (the
 * policy's extra attributes by SCIM path, `null` for one cleared) is written as given, absent when there is none.
 */
export type JsonlRecord =
  | {
      readonly at: string;
      readonly op: 'user.create';
      readonly appId: string;
      readonly externalId: string;
      readonly user: UserWrite;
    }
  | { readonly at: string; readonly op: 'user.update'; readonly appId: string; readonly changes: UserChanges }
  | {
      readonly at: string;
      readonly op: 'group.create';
      readonly appId: string;
      readonly externalId: string;
      readonly group: GroupWrite;
    }
  | { readonly at: string; readonly op: 'group.update'; readonly appId: string; readonly changes: GroupChanges }
  | { readonly at: string; readonly op: 'group.delete'; readonly appId: string };

export type JsonlOp = JsonlRecord['op'];
