/**
 * Whether an op kind is about a user or a group: kinds are `<object>.<verb>`, people's are `user.*` and `invite.*`,
 * groups' are `group.*` and `members.*` (a membership op's subject is its group). Null for a kind it does not know.
 */
export function opSubjectType(kind: string): 'user' | 'group' | null {
  if (kind.startsWith('user.') || kind.startsWith('invite.')) return 'user';
  if (kind.startsWith('group.') || kind.startsWith('members.')) return 'group';
  return null;
}

/** The kinds whose payload lists users (`userExternalIds`) although their subject is a group. */
export const MEMBERSHIP_OP_KINDS: readonly string[] = ['members.add', 'members.remove'];
