import { z } from 'zod';
import { OKTA_USER_STATUSES } from '../../src/core/mapping/okta-user-mapping.js';

/** One page of an Okta list: the items its schema took, and the ones it did not, each on its own. */
export interface OktaPage<T> {
  readonly items: T[];
  readonly invalid: readonly OktaInvalidItem[];
}

/**
 * An item of a page that failed its schema. `id` is its Okta id when it has one that is a non-empty string (the
 * object can then be named and isolated), else undefined. `reason` names the field, never the value.
 */
export interface OktaInvalidItem {
  readonly index: number;
  readonly id: string | undefined;
  readonly field: string;
  readonly reason: string;
}

/**
 * Parses a page body item by item: one malformed object must not fail the read (DESIGN "Safety"), but a body that
 * is not a list at all is no page (undefined: the caller fails the read).
 */
export function parseOktaItems<T>(body: unknown, schema: z.ZodType<T>): OktaPage<T> | undefined {
  if (!Array.isArray(body)) return undefined;
  const items: T[] = [];
  const invalid: OktaInvalidItem[] = [];
  body.forEach((raw: unknown, index) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) items.push(parsed.data);
    else invalid.push({ index, id: idOf(raw), ...describeOktaIssue(raw, parsed.error) });
  });
  return { items, invalid };
}

function idOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return undefined;
  return typeof raw.id === 'string' && raw.id !== '' ? raw.id : undefined;
}

const STATUS_WORD = /^[A-Z][A-Z_]{0,31}$/;
const statusSchema = z.object({ status: z.string() });

/**
 * The first issue as `field` and a reason. An unknown lifecycle status is named when it is a plain status word
 * (letters and underscores, as Okta's are), so the operator sees which status Okta introduced; any other value is
 * left out, as values always are: they may be hostile.
 */
function describeOktaIssue(raw: unknown, error: z.ZodError): { field: string; reason: string } {
  const issue = error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? 'record' : issue.path.map(String).join('.');
  if (field === 'status') {
    const status = statusSchema.safeParse(raw);
    if (status.success && !(OKTA_USER_STATUSES as readonly string[]).includes(status.data.status)) {
      const word = STATUS_WORD.test(status.data.status) ? ` ${status.data.status}` : '';
      return {
        field,
        reason: `status${word} is not an Okta status dirsync knows: not active, kept as last read`,
      };
    }
  }
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return { field, reason: `${field}: ${issue?.message ?? 'invalid'}${more}` };
}
