import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../connectors/connector-error.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { MailerError } from '../../../src/invites/mailer-error.js';
import { DatabaseError } from '../../../src/store/database-error.js';
import type { SyncOutcome, SyncStatus } from '../../../src/sync/run-sync.js';
import { TargetError } from '../../../src/targets/target-error.js';
import { classify, jobResultOf } from '../../../src/worker/failure-policy.js';
import { httpErrorKind } from '../../../src/worker/http-error-kind.js';

function outcome(status: SyncStatus, error: Error | null = null): SyncOutcome {
  return {
    runId: 'r',
    status,
    full: true,
    plan: null,
    planned: null,
    applied: null,
    appliedKinds: [],
    failed: [],
    error,
    durationMs: 1,
    basis: null,
    isolated: [],
  };
}

describe('what BullMQ does with a run', () => {
  it.each(['succeeded', 'partial', 'held', 'planned'] as const)('completes the job when the run %s', (status) => {
    expect(() => {
      jobResultOf(outcome(status));
    }).not.toThrow();
  });

  it.each([
    ['an IdP outage', new ConnectorError('unavailable', 'down')],
    ['the app being down', new TargetError('unavailable', 'down')],
    ['a mail server refusing for now', new MailerError('unavailable', '451')],
    [
      'a lost database connection',
      new DatabaseError('postgres://db/x', { kind: 'connection-lost', detail: 'terminating connection, 57P01' }),
    ],
    ['a locked SQLite file', new DatabaseError('sqlite:x.db', { kind: 'busy', detail: 'SQLITE_BUSY' })],
  ])('retries with backoff after %s', (_label, error) => {
    const thrown = classify(error);
    expect(thrown).not.toBeInstanceOf(UnrecoverableError);
    expect(() => {
      jobResultOf(outcome('stopped', error));
    }).toThrow(error.message);
  });

  it.each([
    ['rejected IdP credentials', new ConnectorError('auth', 'E0000011')],
    ['a rejected SCIM token', new TargetError('auth', 'APP_SCIM_TOKEN is rejected')],
    ['a bad SMTP password', new MailerError('auth', '535')],
    ['a bad variable', new ConfigError('invalid configuration')],
    ['a full disk', new DatabaseError('sqlite:x.db', { kind: 'disk-full', detail: 'SQLITE_FULL' })],
    ['a read-only database', new DatabaseError('sqlite:x.db', { kind: 'read-only', detail: 'SQLITE_READONLY' })],
  ])('does not retry %s: an operator must act', (_label, error) => {
    expect(classify(error)).toBeInstanceOf(UnrecoverableError);
  });
});

describe('the kind label of SCIM errors in /metrics', () => {
  it.each([
    [200, null],
    [201, null],
    [undefined, 'unavailable'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'not_found'],
    [409, 'conflict'],
    [429, 'rate_limited'],
    [400, 'rejected'],
    [503, 'unavailable'],
  ])('%s → %s', (status, kind) => {
    expect(httpErrorKind(status)).toBe(kind);
  });
});
