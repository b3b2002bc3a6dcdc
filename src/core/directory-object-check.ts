import type { Isolation } from './model/directory-change.js';
import type { DirectoryGroup } from './model/directory-group.js';
import type { DirectoryUser } from './model/directory-user.js';

/**
 * The longest value dirsync takes per field, in Unicode code points (what a `varchar(n)` of the apps counts):
 * - `id` 255: IdP ids are short (Okta 20 characters, Entra GUIDs 36); a longer one is not an id of theirs.
 * - `userName`, `email` 256: the common column size of SCIM apps for logins and addresses (RFC 5321 allows 254
 *   for an address); Okta and Entra allow less (100 and 113).
 * - `givenName`, `familyName` 256: Entra allows 64, Okta 50; room for custom profiles.
 * - `displayName` 1024, users and groups: generous for any human or group name, small enough for any app.
 * - `status` 64: the IdP's status word (`PASSWORD_EXPIRED`).
 */
export const DIRECTORY_FIELD_LIMITS = {
  id: 255,
  userName: 256,
  email: 256,
  givenName: 256,
  familyName: 256,
  displayName: 1024,
  status: 64,
} as const;

/**
 * What may appear in a field:
 * - `identifier` (ids, logins, e-mail addresses, status words): printable characters only. No control or format
 *   character at all (`\p{Cf}`: zero-width spaces, bidi marks, soft hyphens, BOMs), which would make two
 *   identifiers look the same or a log line lie.
 * - `name` (given, family and display names): any printable text of any script, including the joiners and bidi
 *   marks (U+200C, U+200D, U+200E, U+200F, U+061C) that Persian, Indic, Hebrew and Arabic names and emoji need,
 *   but no bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which reorder what is shown to
 *   spoof a name ("Trojan Source").
 * Both refuse what no field holds: NUL (PostgreSQL cannot store it), C0 and C1 controls, DEL, tab and newlines
 * (every field is one line: a newline in a name forges log and CSV lines), U+2028/U+2029 (line breaks to
 * JavaScript and many viewers), and lone surrogates (invalid UTF-16: the drivers would store U+FFFD instead,
 * silently).
 */
export type FieldRule = 'identifier' | 'name';

/**
 * The verdict on one directory object: `clean`; `isolated` (its id is usable, another field is not: the object is
 * named by its id and kept as the mirror last knew it); `unidentified` (its id itself is unusable).
 */
export type DirectoryObjectCheck =
  | { readonly verdict: 'clean' }
  | { readonly verdict: 'isolated'; readonly isolation: Isolation }
  | { readonly verdict: 'unidentified'; readonly isolation: Isolation };

export interface FieldSpec {
  readonly field: string;
  readonly rule: FieldRule;
  readonly limit: number;
  /** Must hold something other than whitespace. */
  readonly required: boolean;
}

const USER_FIELDS: readonly (FieldSpec & { readonly of: (user: DirectoryUser) => string })[] = [
  {
    field: 'userName',
    rule: 'identifier',
    limit: DIRECTORY_FIELD_LIMITS.userName,
    required: true,
    of: (u) => u.userName,
  },
  { field: 'email', rule: 'identifier', limit: DIRECTORY_FIELD_LIMITS.email, required: true, of: (u) => u.email },
  {
    field: 'givenName',
    rule: 'name',
    limit: DIRECTORY_FIELD_LIMITS.givenName,
    required: false,
    of: (u) => u.givenName,
  },
  {
    field: 'familyName',
    rule: 'name',
    limit: DIRECTORY_FIELD_LIMITS.familyName,
    required: false,
    of: (u) => u.familyName,
  },
  {
    field: 'displayName',
    rule: 'name',
    limit: DIRECTORY_FIELD_LIMITS.displayName,
    required: true,
    of: (u) => u.displayName,
  },
  { field: 'status', rule: 'identifier', limit: DIRECTORY_FIELD_LIMITS.status, required: true, of: (u) => u.status },
];

const GROUP_DISPLAY_NAME: FieldSpec = {
  field: 'displayName',
  rule: 'name',
  limit: DIRECTORY_FIELD_LIMITS.displayName,
  required: true,
};

/** Checks every field of a user the mirror stores and the app receives; the first problem found is the verdict. */
export function checkDirectoryUser(user: DirectoryUser): DirectoryObjectCheck {
  const id = checkDirectoryId(user.id);
  if (id !== null) return { verdict: 'unidentified', isolation: id };
  for (const spec of USER_FIELDS) {
    const isolation = checkField(spec.of(user), spec);
    if (isolation !== null) return { verdict: 'isolated', isolation };
  }
  return { verdict: 'clean' };
}

export function checkDirectoryGroup(group: DirectoryGroup): DirectoryObjectCheck {
  const id = checkDirectoryId(group.id);
  if (id !== null) return { verdict: 'unidentified', isolation: id };
  const name = checkField(group.displayName, GROUP_DISPLAY_NAME);
  return name === null ? { verdict: 'clean' } : { verdict: 'isolated', isolation: name };
}

/** An IdP id (of an object, a member or a deletion): what is wrong with it, or null when the mirror can key by it. */
export function checkDirectoryId(id: string, field = 'id'): Isolation | null {
  return checkField(id, { field, rule: 'identifier', limit: DIRECTORY_FIELD_LIMITS.id, required: true });
}

/**
 * One value against one rule. The reason names the field, the character (as a code point, with its name for the
 * invisible ones) and its position, never the value: it may be hostile, and it goes to logs, terminals and rows.
 */
export function checkField(value: string, spec: FieldSpec): Isolation | null {
  const { field } = spec;
  if (spec.required && value.trim() === '') {
    return { field, reason: `${field} is ${value === '' ? 'empty' : 'blank (only whitespace)'}` };
  }
  const forbidden = (spec.rule === 'identifier' ? IDENTIFIER_FORBIDDEN : NAME_FORBIDDEN).exec(value);
  // Only the part up to the limit is scanned for length, so a hostile megabyte costs no more than the limit.
  const length = codePointLength(value, spec.limit + 1);
  if (forbidden !== null) {
    const position = codePointLength(value.slice(0, forbidden.index), Number.POSITIVE_INFINITY) + 1;
    return { field, reason: `${field} contains ${describeCodePoint(forbidden[0])} at character ${position}` };
  }
  if (length > spec.limit) {
    return { field, reason: `${field} is longer than ${spec.limit} characters, the limit for ${field}` };
  }
  return null;
}

// `\p{Cs}` matches a surrogate only when it is alone: under the `u` flag a valid pair is one code point.
const ALWAYS_FORBIDDEN = String.raw`\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069\p{Cs}`;
const NAME_FORBIDDEN = new RegExp(`[${ALWAYS_FORBIDDEN}]`, 'u');
const IDENTIFIER_FORBIDDEN = new RegExp(`[${ALWAYS_FORBIDDEN}\\p{Cf}]`, 'u');

const NAMED: ReadonlyMap<number, string> = new Map([
  [0x061c, 'ARABIC LETTER MARK'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
]);

function describeCodePoint(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (codePoint === 0) return `a NUL byte (${hex})`;
  if (codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f)) return `a control character (${hex})`;
  if (codePoint === 0x2028) return `a line separator (${hex})`;
  if (codePoint === 0x2029) return `a paragraph separator (${hex})`;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return `a lone surrogate (${hex}), invalid UTF-16`;
  const name = NAMED.get(codePoint);
  const bidi = (codePoint >= 0x202a && codePoint <= 0x202e) || (codePoint >= 0x2066 && codePoint <= 0x2069);
  const marks = codePoint === 0x061c || codePoint === 0x200e || codePoint === 0x200f;
  if (bidi || marks) return `a bidi control (${hex} ${name ?? ''})`;
  return `an invisible format character (${name === undefined ? hex : `${hex} ${name}`})`;
}

/** The number of code points of `value`, counting no further than `stopAt`. */
function codePointLength(value: string, stopAt: number): number {
  let count = 0;
  for (let index = 0; index < value.length && count < stopAt; count++) {
    const unit = value.charCodeAt(index);
    const next = value.charCodeAt(index + 1);
    index += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return count;
}
