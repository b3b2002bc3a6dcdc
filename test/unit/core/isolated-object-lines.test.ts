import { describe, expect, it } from 'vitest';
import { isolatedObjectLines, MAX_ISOLATED_LINES } from '../../../src/core/isolated-object-lines.js';
import type { IsolatedObject } from '../../../src/core/model/isolated-object.js';

const user = (
  id: string | null,
  reason = 'displayName contains a NUL byte (U+0000) at character 4',
): IsolatedObject => ({
  kind: 'user',
  id,
  field: 'displayName',
  reason,
});

describe('isolatedObjectLines: the run summary of what a read isolated', () => {
  it('says nothing when nothing was isolated', () => {
    expect(isolatedObjectLines([], true)).toEqual([]);
  });

  it('counts the objects and lists each by kind and IdP id with the reason, then says what happens to them', () => {
    const lines = isolatedObjectLines(
      [user('00u1'), { kind: 'group', id: '00g1', field: 'displayName', reason: 'displayName is empty' }],
      false,
    );
    expect(lines).toEqual([
      '2 objects isolated (not synced):',
      '  user 00u1: displayName contains a NUL byte (U+0000) at character 4',
      '  group 00g1: displayName is empty',
      'Each stays as the mirror last knew it, never deactivated or deleted because of it, until the IdP',
      'sends it in a form dirsync takes: fix the record in the IdP.',
    ]);
    expect(isolatedObjectLines([user('00u1')], false)[0]).toBe('1 object isolated (not synced):');
  });

  it(`lists at most ${MAX_ISOLATED_LINES}, then points at dirsync status for the rest`, () => {
    const lines = isolatedObjectLines(
      Array.from({ length: 45 }, (_, index) => user(`00u${String(index).padStart(2, '0')}`)),
      false,
    );
    expect(lines[0]).toBe('45 objects isolated (not synced):');
    expect(lines.filter((line) => line.startsWith('  user '))).toHaveLength(MAX_ISOLATED_LINES);
    expect(lines).toContain('  and 25 more; see `dirsync status`');
  });

  it('names an object without a usable id as such, and on a full read says that nothing of its kind was removed', () => {
    const full = isolatedObjectLines([user(null, 'id is empty')], true);
    expect(full).toContain('  user (no usable id): id is empty');
    expect(full.slice(-2)).toEqual([
      'An object without a usable id may be any of the users dirsync knows, so this read removed',
      'no users as no longer in the IdP.',
    ]);
    expect(isolatedObjectLines([user(null)], false).join('\n')).not.toContain('may be any of');
    const both = isolatedObjectLines(
      [user(null), { kind: 'group', id: null, field: 'id', reason: 'id is empty' }],
      true,
    );
    expect(both.at(-2)).toContain('may be any of the users or groups dirsync knows');
  });

  it('keeps its own lines within 100 columns', () => {
    for (const line of isolatedObjectLines([user(null)], true)) {
      if (!line.startsWith('  ')) expect(line.length).toBeLessThanOrEqual(100);
    }
  });
});
