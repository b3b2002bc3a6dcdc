import { z } from 'zod';

/** Where the next round of each delta query starts: the `@odata.deltaLink` of its last completed round. */
export interface GraphCursor {
  readonly users: string;
  readonly groups: string;
}

const cursorSchema = z.object({ users: z.string().min(1), groups: z.string().min(1) });

export function encodeGraphCursor(cursor: GraphCursor): string {
  return JSON.stringify({ users: cursor.users, groups: cursor.groups });
}

/** The stored cursor, or null when there is none or it is not one of ours (then the read is a full round). */
export function decodeGraphCursor(raw: string | null): GraphCursor | null {
  if (raw === null || raw.trim() === '') return null;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
