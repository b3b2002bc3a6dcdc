import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPE, isGroupInScope } from '../../../src/core/scope.js';
import { directoryGroup } from './builders.js';

describe('isGroupInScope', () => {
  it('leaves built-in groups out by default', () => {
    expect(DEFAULT_SCOPE.includeBuiltInGroups).toBe(false);
    expect(isGroupInScope(directoryGroup('everyone', { builtIn: true }), DEFAULT_SCOPE)).toBe(false);
  });

  it.each([
    [false, false, true],
    [false, true, true],
    [true, false, false],
    [true, true, true],
  ])('builtIn=%s, includeBuiltInGroups=%s → in scope: %s', (builtIn, includeBuiltInGroups, inScope) => {
    expect(isGroupInScope(directoryGroup('g', { builtIn }), { includeBuiltInGroups })).toBe(inScope);
  });
});
