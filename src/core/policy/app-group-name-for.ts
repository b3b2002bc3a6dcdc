import { refersTo } from './group-reference.js';
import type { GroupLink, GroupRef } from './policy.js';

/**
 * The name of the app group an IdP group is pushed onto: the linked app group when a link names the group (a
 * link by id wins over one by name), else the group's own display name.
 */
export function appGroupNameFor(group: GroupRef, links: readonly GroupLink[]): string {
  const byId = links.find((link) => link.from === group.id);
  if (byId !== undefined) return byId.to;
  return links.find((link) => refersTo(link.from, group))?.to ?? group.displayName;
}
