import { limitFor, MIN_DEACTIVATIONS_LIMIT, MIN_GROUP_DELETES_LIMIT, type GuardLimit } from './planner/guards.js';

/** How many users and groups the mirror holds, or a full read returned. */
export interface SourceCounts {
  readonly users: number;
  readonly groups: number;
}

/** One resource a full read lost too much of: from `before` (the mirror) to `after` (the read). */
export interface SourceDrop {
  readonly resource: 'users' | 'groups';
  readonly before: number;
  readonly after: number;
  /** How many the setting lets one read lose (`DIRSYNC_MAX_SOURCE_DROP`); an empty answer is held whatever it is. */
  readonly limit: number;
}

/** Why a full read is held before anything is written (DESIGN "Safety", "Source anomaly"). Never empty. */
export interface SourceAnomaly {
  readonly drops: readonly SourceDrop[];
}

export const DEFAULT_MAX_SOURCE_DROP: GuardLimit = { kind: 'share', percent: 30 };

/**
 * A share never holds a read for losing fewer than the guards' own floors (10 users, 5 groups): a directory of 3
 * people must be able to lose one without an operator, as the deactivation guard already lets it. An empty
 * answer is held whatever the size.
 */
export const MIN_SOURCE_DROP: Readonly<Record<SourceDrop['resource'], number>> = {
  users: MIN_DEACTIVATIONS_LIMIT,
  groups: MIN_GROUP_DELETES_LIMIT,
};

/** The setting that raises the source-drop check. */
export const SOURCE_DROP_VARIABLE = 'DIRSYNC_MAX_SOURCE_DROP';

/**
 * Compares a full read with the mirror: a read that answers no users (or no groups) while the mirror holds some,
 * or that loses more than `maxDrop` of them, looks like an expired credential, a revoked scope or an outage
 * rather than people leaving. Null when the read may be written. Counts, not ids: people who left and people
 * who joined in the same read offset each other, which is what a real reorganisation looks like.
 */
export function checkSourceAnomaly(
  mirror: SourceCounts,
  read: SourceCounts,
  maxDrop: GuardLimit,
): SourceAnomaly | null {
  const drops: SourceDrop[] = [];
  for (const resource of ['users', 'groups'] as const) {
    const before = mirror[resource];
    const after = read[resource];
    const limit = limitFor(maxDrop, before, MIN_SOURCE_DROP[resource]);
    if (before > 0 && (after === 0 || before - after > limit)) drops.push({ resource, before, after, limit });
  }
  return drops.length > 0 ? { drops } : null;
}

/**
 * The anomaly as one line for the operator, e.g. `the directory answered 0 users where the mirror holds 40, and
 * 3 groups where it holds 12 (DIRSYNC_MAX_SOURCE_DROP allows losing 3)`.
 */
export function explainSourceAnomaly(anomaly: SourceAnomaly): string {
  return anomaly.drops
    .map((drop) => {
      const allows =
        drop.after === 0 ? 'no read may lose all of them' : `${SOURCE_DROP_VARIABLE} allows losing ${drop.limit}`;
      return `${drop.resource} dropped from ${drop.before} to ${drop.after} (${allows})`;
    })
    .join('; ');
}
