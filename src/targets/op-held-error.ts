import type { OpHold } from '../core/planner/op-hold.js';

/**
 * Thrown by a target instead of adopting an app account that looks like someone else's (DESIGN "Adoption"):
 * nothing was written; the op is stored as `held` with `hold`, and waits for `dirsync approve <op-key>`.
 */
export class OpHeldError extends Error {
  override readonly name = 'OpHeldError';

  constructor(readonly hold: OpHold) {
    super(hold.message);
  }
}
