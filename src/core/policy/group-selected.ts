import { attributeRuleMatches, type AttributeBag } from './attribute-rule-matches.js';
import { globMatches } from './glob-pattern.js';
import type { GroupScope, GroupSelector } from './policy.js';

/** A group as selection sees it. */
export interface GroupCandidate {
  readonly id: string;
  readonly displayName: string;
  readonly builtIn: boolean;
  readonly attributes?: AttributeBag;
}

/** Why a group is pushed or not, for plans and `why`. */
export type GroupSelection =
  | { readonly selected: true }
  | { readonly selected: false; readonly reason: 'built-in' }
  | { readonly selected: false; readonly reason: 'excluded'; readonly selector: GroupSelector }
  | { readonly selected: false; readonly reason: 'not-included' };

/**
 * Whether a group is pushed to the app: built-in groups (Okta `Everyone`) only with `includeBuiltInGroups`, then
 * no `exclude` selector matches (exclusion wins), then `include` is empty or one of its selectors matches. Names
 * match as case-insensitive globs (`globMatches`), ids exactly, rules as `attributeRuleMatches`.
 */
export function groupSelected(group: GroupCandidate, groups: GroupScope): GroupSelection {
  if (group.builtIn && !groups.includeBuiltInGroups) return { selected: false, reason: 'built-in' };
  const excludedBy = groups.exclude.find((selector) => selects(selector, group));
  if (excludedBy !== undefined) return { selected: false, reason: 'excluded', selector: excludedBy };
  if (groups.include.length > 0 && !groups.include.some((selector) => selects(selector, group))) {
    return { selected: false, reason: 'not-included' };
  }
  return { selected: true };
}

function selects(selector: GroupSelector, group: GroupCandidate): boolean {
  switch (selector.kind) {
    case 'name':
      return globMatches(selector.glob, group.displayName);
    case 'id':
      return selector.id === group.id;
    case 'rule':
      return attributeRuleMatches(selector.rule, group.attributes ?? {});
  }
}
