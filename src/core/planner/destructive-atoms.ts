import type { Op } from './op.js';

/**
 * The destructive part of a plan as a set of atoms an approval covers (DESIGN "Held plans and approvals"): one per
 * deactivated user, deleted group, and removed membership. Atoms name objects, not op keys: a key carries the
 * subject's revision, which may move between the run that was held and the run that applies, while "deactivate
 * 00u1" means the same thing in both. A members.remove op is split per member, so an approval of "remove 40 of
 * Sales" never covers removing a 41st person.
 */
export function destructiveAtoms(ops: readonly Op[]): string[] {
  const atoms = new Set<string>();
  for (const op of ops) {
    switch (op.kind) {
      case 'user.deactivate':
        atoms.add(`user.deactivate:${op.externalId}`);
        break;
      case 'group.delete':
        atoms.add(`group.delete:${op.externalId}`);
        break;
      case 'members.remove':
        for (const user of op.userExternalIds) atoms.add(`members.remove:${op.groupExternalId}:${user}`);
        break;
      case 'user.create':
      case 'user.update':
      case 'user.reactivate':
      case 'group.create':
      case 'group.rename':
      case 'members.add':
      case 'invite.send':
        break;
    }
  }
  return [...atoms].sort();
}

/** Whether an op destroys (deactivates, deletes, removes a member): the part of a plan the guards hold back. */
export function isDestructive(op: Op): boolean {
  return op.kind === 'user.deactivate' || op.kind === 'group.delete' || op.kind === 'members.remove';
}

/**
 * Whether an approval covers a freshly computed plan: its destructive atoms are the approved ones or fewer. The
 * constructive part (creates, updates, adds) is never held and needs no approval.
 */
export function isCoveredBy(atoms: readonly string[], approved: ReadonlySet<string>): boolean {
  return atoms.every((atom) => approved.has(atom));
}
