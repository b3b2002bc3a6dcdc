import { DEFAULT_GUARD_LIMITS } from '../../src/core/planner/guards.js';
import { DEFAULT_MAX_SOURCE_DROP } from '../../src/core/source-anomaly.js';
import type { SyncRequest } from '../../src/sync/run-sync.js';

/** A `dirsync sync` as the CLI runs it by default: not forced full, not a dry run, the default guards. */
export const SYNC_DEFAULTS = {
  trigger: 'cli',
  full: false,
  dryRun: false,
  allowMassDeactivation: false,
  guards: DEFAULT_GUARD_LIMITS,
  maxSourceDrop: DEFAULT_MAX_SOURCE_DROP,
  fullReadIntervalMs: null,
} as const satisfies Omit<SyncRequest, 'connectionId'>;
