import { describe, expect, it } from 'vitest';
import { nestingCycleLines } from '../../../src/core/nesting-cycle-lines.js';
import { directoryGroup, directoryOf } from './builders.js';

describe('nestingCycleLines', () => {
  const directory = directoryOf({
    groups: [directoryGroup('g1', { displayName: 'Research' }), directoryGroup('g2', { displayName: 'Leads' })],
  });

  it('names each nesting to remove, by name and id (an id alone for a group the mirror does not have)', () => {
    expect(
      nestingCycleLines(directory, [
        { group: 'g1', member: 'g2' },
        { group: 'g2', member: 'g9' },
      ]),
    ).toEqual([
      'groups nested in 2 cycles in the IdP (flattened anyway; remove one nesting of each):',
      '  "Research" (g1) contains "Leads" (g2)',
      '  "Leads" (g2) contains g9',
    ]);
  });

  it('says nothing without cycles', () => {
    expect(nestingCycleLines(directory, undefined)).toEqual([]);
    expect(nestingCycleLines(directory, [])).toEqual([]);
  });
});
