import { z } from 'zod';

/** Where the next round of each delta query starts: the `@odata.deltaLink` of its last completed round. */
export interface GraphCursor {
  readonly users: string;
  readonly groups: string;
  /**
   * `GraphSelection.fingerprint` of the properties the links were started with. Absent in cursors written before
   * dirsync selected policy attributes: those links select the mapping's properties only.
   */
  readonly select?: string;
}

const cursorSchema = z.object({
  users: z.string().min(1),
  groups: z.string().min(1),
  select: z.string().min(1).optional(),
});

export function encodeGraphCursor(cursor: GraphCursor): string {
  return JSON.stringify({
    users: cursor.users,
    groups: cursor.groups,
    ...(cursor.select === undefined ? {} : { select: cursor.select }),
  });
}

/**
 * The stored cursor, or null when there is none or it is not one of ours (then the read is a full round). The
 * cursor of an app-scoped read (`encodeAppScopedCursor`) is not a delta cursor either: it decodes to null.
 */
export function decodeGraphCursor(raw: string | null): GraphCursor | null {
  if (raw === null || raw.trim() === '') return null;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return null;
    const { users, groups, select } = parsed.data;
    return select === undefined ? { users, groups } : { users, groups, select };
  } catch {
    return null;
  }
}

/**
 * The cursor an app-scoped read returns: it records that the read was scoped to the service principal. It holds no
 * delta link, so when `GRAPH_SERVICE_PRINCIPAL_ID` is removed the next read is a full delta round of the tenant.
 */
export function encodeAppScopedCursor(servicePrincipalId: string): string {
  return JSON.stringify({ appScoped: servicePrincipalId });
}
