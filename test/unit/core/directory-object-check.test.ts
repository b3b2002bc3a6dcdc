import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkDirectoryGroup,
  checkDirectoryId,
  checkDirectoryUser,
  DIRECTORY_FIELD_LIMITS,
  type DirectoryObjectCheck,
} from '../../../src/core/directory-object-check.js';
import type { DirectoryUser } from '../../../src/core/model/directory-user.js';
import { directoryGroup, directoryUser } from './builders.js';

const reasonOf = (check: DirectoryObjectCheck) => (check.verdict === 'clean' ? null : check.isolation.reason);
const userWith = (overrides: Partial<DirectoryUser>) => checkDirectoryUser(directoryUser('00u1', overrides));

describe('checkDirectoryUser: characters', () => {
  it.each<[string, keyof DirectoryUser, string, string]>([
    ['a NUL byte', 'displayName', 'Ada\u0000Lovelace', 'displayName contains a NUL byte (U+0000) at character 4'],
    ['an escape (C0)', 'givenName', '\u001b[31mAda', 'givenName contains a control character (U+001B) at character 1'],
    ['a tab', 'familyName', 'Love\tlace', 'familyName contains a control character (U+0009) at character 5'],
    [
      'a newline',
      'displayName',
      'Ada\nroot logged in',
      'displayName contains a control character (U+000A) at character 4',
    ],
    ['a carriage return', 'userName', 'ada\r@x.test', 'userName contains a control character (U+000D) at character 4'],
    ['DEL', 'email', 'ada\u007f@x.test', 'email contains a control character (U+007F) at character 4'],
    ['a C1 control', 'displayName', 'Ada\u0085', 'displayName contains a control character (U+0085) at character 4'],
    ['a line separator', 'displayName', 'Ada\u2028x', 'displayName contains a line separator (U+2028) at character 4'],
    [
      'a paragraph separator',
      'givenName',
      '\u2029',
      'givenName contains a paragraph separator (U+2029) at character 1',
    ],
    [
      'a right-to-left override',
      'displayName',
      'Ada \u202Egnp.exe',
      'displayName contains a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE) at character 5',
    ],
    [
      'a left-to-right embedding',
      'familyName',
      '\u202Ax',
      'familyName contains a bidi control (U+202A LEFT-TO-RIGHT EMBEDDING) at character 1',
    ],
    [
      'a pop directional formatting',
      'displayName',
      'x\u202C',
      'displayName contains a bidi control (U+202C POP DIRECTIONAL FORMATTING) at character 2',
    ],
    [
      'a first strong isolate',
      'displayName',
      'x\u2068y',
      'displayName contains a bidi control (U+2068 FIRST STRONG ISOLATE) at character 2',
    ],
    [
      'a pop directional isolate',
      'givenName',
      '\u2069',
      'givenName contains a bidi control (U+2069 POP DIRECTIONAL ISOLATE) at character 1',
    ],
    [
      'a right-to-left mark in a login',
      'userName',
      'ada\u200F@x.test',
      'userName contains a bidi control (U+200F RIGHT-TO-LEFT MARK) at character 4',
    ],
    [
      'a zero width space in an e-mail address',
      'email',
      'ad\u200Ba@x.test',
      'email contains an invisible format character (U+200B ZERO WIDTH SPACE) at character 3',
    ],
    [
      'a soft hyphen in a login',
      'userName',
      'ad\u00ADa@x.test',
      'userName contains an invisible format character (U+00AD) at character 3',
    ],
    [
      'a byte order mark in a status',
      'status',
      '\uFEFFACTIVE',
      'status contains an invisible format character (U+FEFF ZERO WIDTH NO-BREAK SPACE) at character 1',
    ],
    [
      'a lone high surrogate',
      'displayName',
      'Ada \uD83D',
      'displayName contains a lone surrogate (U+D83D), invalid UTF-16 at character 5',
    ],
    [
      'a lone low surrogate',
      'userName',
      '\uDE00ada@x.test',
      'userName contains a lone surrogate (U+DE00), invalid UTF-16 at character 1',
    ],
  ])('isolates %s, naming the field, the code point and where it is', (_what, field, value, reason) => {
    const check = userWith({ [field]: value });
    expect(check).toEqual({ verdict: 'isolated', isolation: { field, reason } });
  });

  it('counts positions in characters, not UTF-16 units: an emoji before the NUL is one character', () => {
    expect(reasonOf(userWith({ displayName: '😀😀\u0000' }))).toBe(
      'displayName contains a NUL byte (U+0000) at character 3',
    );
  });

  it.each([
    ['any script and emoji', 'Zoë Łukasz 佐藤 Ñandú محمد 👩‍💻'],
    ['a zero width joiner (emoji sequences, Indic scripts)', 'Anna \u200D\u200C'],
    ['bidi marks (right-to-left names)', 'שלום\u200F (IT)\u200E \u061C'],
    ['punctuation, quotes and markup that only the app must escape', `O'Brien "<b>" & %_\\ ; DROP TABLE users;--`],
    ['a soft hyphen in a display name', 'Ada\u00ADLovelace'],
  ])('takes names with %s', (_what, name) => {
    expect(userWith({ displayName: name, givenName: name, familyName: name })).toEqual({ verdict: 'clean' });
  });

  it('takes an e-mail address and login with a plus, dots, an apostrophe and non-ASCII letters', () => {
    expect(userWith({ userName: "o'brien.ada+it@bücher.example", email: 'zoë@例え.jp' })).toEqual({
      verdict: 'clean',
    });
  });

  it('never puts the value in the reason: every reason is printable ASCII naming code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (value) => {
        const check = userWith({ displayName: `${value}\u0000` });
        expect(check.verdict).toBe('isolated');
        expect(reasonOf(check)).toMatch(/^displayName contains [\x20-\x7E]+$/);
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkDirectoryUser: lengths and empty fields', () => {
  const over = (limit: number) => 'a'.repeat(limit + 1);

  it.each([
    ['userName', DIRECTORY_FIELD_LIMITS.userName],
    ['email', DIRECTORY_FIELD_LIMITS.email],
    ['givenName', DIRECTORY_FIELD_LIMITS.givenName],
    ['familyName', DIRECTORY_FIELD_LIMITS.familyName],
    ['displayName', DIRECTORY_FIELD_LIMITS.displayName],
    ['status', DIRECTORY_FIELD_LIMITS.status],
  ] as const)('takes %s at its limit (%i characters) and isolates one character more', (field, limit) => {
    expect(userWith({ [field]: 'a'.repeat(limit) })).toEqual({ verdict: 'clean' });
    expect(userWith({ [field]: over(limit) })).toEqual({
      verdict: 'isolated',
      isolation: { field, reason: `${field} is longer than ${limit} characters, the limit for ${field}` },
    });
  });

  it('counts characters, not UTF-16 units: 1024 emoji are a display name at the limit', () => {
    expect(userWith({ displayName: '😀'.repeat(1024) })).toEqual({ verdict: 'clean' });
    expect(reasonOf(userWith({ displayName: '😀'.repeat(1025) }))).toMatch(/is longer than 1024/);
  });

  it('names a bad character before the length, and checks a hostile two-megabyte value in full', () => {
    expect(reasonOf(userWith({ displayName: `${'x'.repeat(2_000_000)}\u0000` }))).toBe(
      'displayName contains a NUL byte (U+0000) at character 2000001',
    );
    expect(reasonOf(userWith({ displayName: 'x'.repeat(2_000_000) }))).toMatch(/longer than 1024/);
  });

  it.each([
    ['userName', '', 'userName is empty'],
    ['userName', '  \u3000', 'userName is blank (only whitespace)'],
    ['email', '', 'email is empty'],
    ['displayName', ' ', 'displayName is blank (only whitespace)'],
    ['status', '', 'status is empty'],
  ] as const)('isolates an empty or blank %s', (field, value, reason) => {
    expect(userWith({ [field]: value })).toEqual({ verdict: 'isolated', isolation: { field, reason } });
  });

  it('takes empty given and family names (many directories have none)', () => {
    expect(userWith({ givenName: '', familyName: '' })).toEqual({ verdict: 'clean' });
  });
});

describe('checkDirectoryUser and checkDirectoryGroup: ids', () => {
  it.each([
    ['empty', '', 'id is empty'],
    ['a NUL byte', '00u\u0000', 'id contains a NUL byte (U+0000) at character 4'],
    ['a newline', '00u\n1', 'id contains a control character (U+000A) at character 4'],
    [
      'a zero width space',
      '00u\u200B1',
      'id contains an invisible format character (U+200B ZERO WIDTH SPACE) at character 4',
    ],
    ['256 characters', 'a'.repeat(256), 'id is longer than 255 characters, the limit for id'],
  ])('a user whose id is %s is unidentified: it cannot be named', (_what, id, reason) => {
    expect(checkDirectoryUser(directoryUser(id))).toEqual({
      verdict: 'unidentified',
      isolation: { field: 'id', reason },
    });
  });

  it('an id of 255 characters is usable', () => {
    expect(checkDirectoryId('a'.repeat(255))).toBeNull();
  });

  it('checks the id before the other fields', () => {
    expect(checkDirectoryUser(directoryUser('', { displayName: '\u0000' })).verdict).toBe('unidentified');
  });

  it('isolates a group whose name is empty, too long or holds a control or bidi character', () => {
    expect(checkDirectoryGroup(directoryGroup('00g1', { displayName: 'Sales \u{1F4B0}' }))).toEqual({
      verdict: 'clean',
    });
    for (const [displayName, reason] of [
      ['', 'displayName is empty'],
      ['x'.repeat(1025), 'displayName is longer than 1024 characters, the limit for displayName'],
      ['Sales\u0000', 'displayName contains a NUL byte (U+0000) at character 6'],
      ['\u202EselaS', 'displayName contains a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE) at character 1'],
    ] as const) {
      expect(checkDirectoryGroup(directoryGroup('00g1', { displayName }))).toEqual({
        verdict: 'isolated',
        isolation: { field: 'displayName', reason },
      });
    }
    expect(checkDirectoryGroup(directoryGroup('\u0000')).verdict).toBe('unidentified');
  });
});
