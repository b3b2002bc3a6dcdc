import { attributeRuleMatches, type AttributeBag } from './attribute-rule-matches.js';
import type { AttributeRule, UserScope } from './policy.js';

/** Why a user is in scope or not, for plans and `why`. */
export type UserScopeDecision =
  | { readonly inScope: true }
  | { readonly inScope: false; readonly reason: 'excluded'; readonly rule: AttributeRule }
  | { readonly inScope: false; readonly reason: 'not-included' }
  | { readonly inScope: false; readonly reason: 'not-in-pushed-group' };

/**
 * Whether a user is in scope: no `exclude` rule matches (exclusion always wins), `include` is empty or one of its
 * rules matches, and, with `membersOfPushedGroupsOnly`, the user is a member of a pushed group
 * (`memberOfPushedGroup`, which the caller knows from `groupSelected` and the memberships).
 * The IdP's app assignment and the user's status are decided elsewhere.
 */
export function userInScope(
  attributes: AttributeBag,
  users: UserScope,
  memberOfPushedGroup: boolean,
): UserScopeDecision {
  const excludedBy = users.exclude.find((rule) => attributeRuleMatches(rule, attributes));
  if (excludedBy !== undefined) return { inScope: false, reason: 'excluded', rule: excludedBy };
  if (users.include.length > 0 && !users.include.some((rule) => attributeRuleMatches(rule, attributes))) {
    return { inScope: false, reason: 'not-included' };
  }
  if (users.membersOfPushedGroupsOnly && !memberOfPushedGroup) return { inScope: false, reason: 'not-in-pushed-group' };
  return { inScope: true };
}
