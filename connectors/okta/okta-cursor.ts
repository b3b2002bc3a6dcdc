import { z } from 'zod';
import { ConnectorError } from '../connector-error.js';

/** What an Okta read remembers: when it started (taken before its first request). */
export interface OktaCursor {
  readonly since: Date;
}

const cursorSchema = z.object({ v: z.literal(1), since: z.iso.datetime() });

export function encodeOktaCursor(cursor: OktaCursor): string {
  return JSON.stringify({ v: 1, since: cursor.since.toISOString() });
}

/** A cursor this connector did not write is `cursor_expired`: the next read must be full. */
export function decodeOktaCursor(text: string): OktaCursor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConnectorError('cursor_expired', 'the stored Okta cursor is not one this version wrote: run a full read');
  }
  return { since: new Date(parsed.data.since) };
}
