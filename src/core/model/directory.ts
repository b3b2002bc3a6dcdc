import type { DirectoryGroup } from './directory-group.js';
import type { DirectoryUser } from './directory-user.js';

/** The whole directory of one connection as the mirror holds it: what the IdP says. */
export interface Directory {
  readonly users: ReadonlyMap<string, DirectoryUser>;
  readonly groups: ReadonlyMap<string, DirectoryGroup>;
  /** Direct members by group id: user ids (and ids of non-user members, which the scope ignores). */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
}
