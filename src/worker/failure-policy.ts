import { UnrecoverableError } from 'bullmq';
import { ConnectorError } from '../../connectors/connector-error.js';
import { ConfigError } from '../config/config-error.js';
import { MailerError } from '../invites/mailer-error.js';
import { DatabaseError } from '../store/database-error.js';
import type { SyncOutcome } from '../sync/run-sync.js';
import { TargetError } from '../targets/target-error.js';

/**
 * The one place that turns a run's outcome into BullMQ's decision: complete, retry with backoff (a thrown
 * Error), or fail for good (`UnrecoverableError`: retrying a rejected token or a bad variable only hammers the
 * IdP or the app until an operator fixes it).
 */
export function jobResultOf(outcome: SyncOutcome): void {
  switch (outcome.status) {
    case 'succeeded':
    case 'partial': // failed ops are retried by the next run, not by replaying the whole job
    case 'held': // a guard needs an operator; retrying would hold again
    case 'planned':
      return;
    case 'read-failed':
    case 'stopped':
      throw classify(outcome.error ?? new Error(`run ${outcome.runId} ended ${outcome.status}`));
  }
}

export function classify(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (needsOperator(error)) return new UnrecoverableError(message);
  return error instanceof Error ? error : new Error(message);
}

function needsOperator(error: unknown): boolean {
  if (error instanceof ConnectorError) return error.kind === 'auth' || error.kind === 'config';
  if (error instanceof TargetError) return error.kind === 'auth' || error.kind === 'config';
  if (error instanceof MailerError) return error.kind === 'auth' || error.kind === 'config';
  // A full disk, a read-only or damaged database waits for an operator; a lost connection or a lock may pass.
  if (error instanceof DatabaseError) return ['disk-full', 'read-only', 'corrupt'].includes(error.fault.kind);
  return error instanceof ConfigError;
}
