import type { UserAttributes } from '../model/directory-user.js';
import type { ExtraAttributeChanges, ExtraAttributes } from '../model/extra-attributes.js';

/** Only the attributes that differ; `extra`: the policy's extra attributes that differ (`null`: clear). */
export type UserAttributeChanges = Partial<UserAttributes> & { readonly extra?: ExtraAttributeChanges };

/**
 * One write to the app. Ops are plain JSON (they are stored in the outbox) and carry an idempotency key that
 * is the same when the same change is planned again after a crash: `<kind>:<connection>:<subject>[@revision]`.
 */
export type Op =
  | {
      readonly kind: 'user.create';
      readonly key: string;
      readonly externalId: string;
      readonly attributes: UserAttributes;
      /** The policy's extra attributes (absent in ops planned before policies existed, and when it maps none). */
      readonly extra?: ExtraAttributes;
      /** Whether an invite becomes due once the create succeeds (not if it turns out to be an adoption). */
      readonly invite: boolean;
    }
  | {
      readonly kind: 'user.update';
      readonly key: string;
      readonly externalId: string;
      readonly changes: UserAttributeChanges;
    }
  | {
      readonly kind: 'user.reactivate';
      readonly key: string;
      readonly externalId: string;
      readonly changes: UserAttributeChanges;
    }
  | { readonly kind: 'user.deactivate'; readonly key: string; readonly externalId: string }
  | { readonly kind: 'group.create'; readonly key: string; readonly externalId: string; readonly displayName: string }
  | { readonly kind: 'group.rename'; readonly key: string; readonly externalId: string; readonly displayName: string }
  | {
      readonly kind: 'members.add';
      readonly key: string;
      readonly groupExternalId: string;
      readonly userExternalIds: readonly string[];
    }
  | {
      readonly kind: 'members.remove';
      readonly key: string;
      readonly groupExternalId: string;
      readonly userExternalIds: readonly string[];
    }
  | { readonly kind: 'group.delete'; readonly key: string; readonly externalId: string }
  | {
      readonly kind: 'invite.send';
      readonly key: string;
      readonly userExternalId: string;
      /** The send this op delivers (absent in ops planned before resends existed: 1). */
      readonly sendNumber?: number;
    };

export type OpKind = Op['kind'];

/** An op before its idempotency key is assigned (see `key-ops.ts`). */
export type PlannedOp = Op extends infer O ? (O extends Op ? Omit<O, 'key'> : never) : never;

/** The order ops run in (DESIGN "Ordering inside a plan"): people exist before groups reference them, etc. */
export const OP_PHASES: Readonly<Record<OpKind, number>> = {
  'user.create': 0,
  'user.update': 0,
  'user.reactivate': 0,
  'group.create': 1,
  'group.rename': 1,
  'members.add': 2,
  'members.remove': 3,
  'user.deactivate': 4,
  'group.delete': 5,
  'invite.send': 6,
};

/** The object an op is about, for ordering, logs and the outbox. */
export function opSubject(op: PlannedOp): string {
  switch (op.kind) {
    case 'members.add':
    case 'members.remove':
      return op.groupExternalId;
    case 'invite.send':
      return op.userExternalId;
    case 'user.create':
    case 'user.update':
    case 'user.reactivate':
    case 'user.deactivate':
    case 'group.create':
    case 'group.rename':
    case 'group.delete':
      return op.externalId;
  }
}
