import type { Directory } from './model/directory.js';

/** A nesting edge as `flattenMembers` reports one: `group` has `member` (a group) as a direct member. */
export interface NestingCycleEdge {
  readonly group: string;
  readonly member: string;
}

/** `"Research" (g1) contains "Leads" (g2)`: the nesting an operator removes in the IdP to break one cycle. */
export function nestingEdgeText(directory: Directory, edge: NestingCycleEdge): string {
  return `${groupLabel(directory, edge.group)} contains ${groupLabel(directory, edge.member)}`;
}

/**
 * The summary's lines for groups nested in a cycle (`nestedGroups: flatten`): flattening still gives every group of
 * a cycle the people of all of them, but the IdP holds a mistake someone should fix.
 */
export function nestingCycleLines(directory: Directory, cycles: readonly NestingCycleEdge[] | undefined): string[] {
  if (cycles === undefined || cycles.length === 0) return [];
  const count = cycles.length === 1 ? '1 cycle' : `${cycles.length} cycles`;
  return [
    `groups nested in ${count} in the IdP (flattened anyway; remove one nesting of each):`,
    ...cycles.map((edge) => `  ${nestingEdgeText(directory, edge)}`),
  ];
}

function groupLabel(directory: Directory, id: string): string {
  const name = directory.groups.get(id)?.displayName;
  return name === undefined ? id : `"${name}" (${id})`;
}
