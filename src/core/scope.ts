import type { DirectoryGroup } from './model/directory-group.js';

/** Which directory objects dirsync manages in the app. */
export interface Scope {
  /** Okta's `Everyone` and other IdP-managed groups; off by default (DESIGN: out of scope by default). */
  readonly includeBuiltInGroups: boolean;
}

export const DEFAULT_SCOPE: Scope = { includeBuiltInGroups: false };

export function isGroupInScope(group: DirectoryGroup, scope: Scope): boolean {
  return scope.includeBuiltInGroups || !group.builtIn;
}
