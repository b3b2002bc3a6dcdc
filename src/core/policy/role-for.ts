import { inGroup } from './group-reference.js';
import type { GroupRef, PolicyScalar, RolePolicy } from './policy.js';

/** The role a user gets, and which rule gave it (`rule`: its index in `roles.rules`, `undefined` for the default). */
export interface RoleDecision {
  readonly value: PolicyScalar | undefined;
  readonly rule: number | undefined;
}

/**
 * The user's role: the value of the first rule (in document order) whose group the user is in, else the
 * default, else none (`value: undefined`: dirsync leaves the role attribute unset).
 */
export function roleFor(groups: readonly GroupRef[], roles: RolePolicy): RoleDecision {
  const index = roles.rules.findIndex((rule) => inGroup(rule.group, groups));
  const rule = roles.rules[index];
  if (rule !== undefined) return { value: rule.value, rule: index };
  return { value: roles.default, rule: undefined };
}
