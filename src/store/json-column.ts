import type { IdpAttributes } from '../core/model/directory-user.js';
import type { ExtraAttributes } from '../core/model/extra-attributes.js';

// The JSON columns (attributes of IdP objects, extra attributes written to the app) hold objects of scalars and
// scalar lists. Text, not a native JSON type: the same on SQLite and PostgreSQL, and PostgreSQL's jsonb would
// refuse a "\u0000" that an IdP attribute may carry, where text stores the escaped form as it is.

/** The column value of an object; NULL for an absent or empty one (most rows: no policy uses them). */
export function jsonColumn(value: IdpAttributes | ExtraAttributes | undefined): string | null {
  return value === undefined || Object.keys(value).length === 0 ? null : JSON.stringify(value);
}

/** The IdP attributes an `attributes` column holds (written by `jsonColumn`), or undefined for NULL. */
export function idpAttributesColumn(text: string | null, where: string): IdpAttributes | undefined {
  return jsonObject(text, where) as IdpAttributes | undefined;
}

/** The extra attributes an `extra` column holds (written by `jsonColumn`), or undefined for NULL. */
export function extraAttributesColumn(text: string | null, where: string): ExtraAttributes | undefined {
  return jsonObject(text, where) as ExtraAttributes | undefined;
}

// A value that is not a JSON object is a corrupt row: it throws rather than feed the planner a wrong value.
function jsonObject(text: string | null, where: string): object | undefined {
  if (text === null) return undefined;
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(
      `${where} holds ${text.slice(0, 40)}…, not a JSON object: the database was changed outside dirsync`,
    );
  }
  return parsed;
}
