import type { Op } from '../../src/core/planner/op.js';

/** `count` user creates `p0`, `p1`… with plain attributes, for tests of the outbox and of applying. */
export function userCreateOps(count: number, options: { readonly invite: boolean }): Op[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'user.create',
    key: `user.create:p${String(i)}`,
    externalId: `p${String(i)}`,
    attributes: {
      userName: `p${String(i)}@x.example`,
      email: `p${String(i)}@x.example`,
      givenName: 'P',
      familyName: String(i),
      displayName: `P ${String(i)}`,
    },
    invite: options.invite,
  }));
}
