import { z } from 'zod';
import type { OpHold } from '../core/planner/op-hold.js';

// `ops.hold` as this version writes it (`JSON.stringify(OpHold)`), read back as data, not cast.
const heldIdentitySchema = z.object({
  externalId: z.string().nullable(),
  appId: z.string().nullable(),
  userName: z.string(),
  email: z.string(),
  displayName: z.string(),
  active: z.boolean(),
});
const opHoldSchema: z.ZodType<OpHold> = z.object({
  reason: z.enum(['recycled-other-external-id', 'recycled-known-as-other', 'recycled-inactive', 'confusable']),
  message: z.string(),
  incoming: heldIdentitySchema,
  existing: heldIdentitySchema,
});

/** An `ops.hold` column read back; null when empty or written by a version this one cannot read. */
export function parseStoredHold(text: string | null): OpHold | null {
  if (text === null) return null;
  try {
    return opHoldSchema.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
}
