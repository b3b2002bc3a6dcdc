import { describe, expect, it } from 'vitest';
import { classifyDatabaseFault, DatabaseError, type DatabaseFaultKind } from '../../../src/store/database-error.js';

const coded = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('classifyDatabaseFault', () => {
  it.each<[string, Error, DatabaseFaultKind, string]>([
    [
      'a session ended by pg_terminate_backend',
      coded('terminating connection due to administrator command', '57P01'),
      'connection-lost',
      'terminating connection due to administrator command, 57P01',
    ],
    [
      'a connection failure (08006)',
      coded('connection failure', '08006'),
      'connection-lost',
      'connection failure, 08006',
    ],
    [
      'pg after the socket closed',
      new Error('Connection terminated unexpectedly'),
      'connection-lost',
      'Connection terminated unexpectedly',
    ],
    [
      'a statement on a client whose connection died',
      new Error('Client has encountered a connection error and is not queryable'),
      'connection-lost',
      'Client has encountered a connection error and is not queryable',
    ],
    ['a reset socket', coded('read ECONNRESET', 'ECONNRESET'), 'connection-lost', 'read ECONNRESET'],
    [
      'a refused reconnect',
      coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      'connection-lost',
      'connect ECONNREFUSED 127.0.0.1:5432',
    ],
    [
      'PostgreSQL out of disk',
      coded('could not extend file "base/16384/16385": No space left on device', '53100'),
      'disk-full',
      'could not extend file "base/16384/16385": No space left on device, 53100',
    ],
    [
      'a PostgreSQL replica',
      coded('cannot execute INSERT in a read-only transaction', '25006'),
      'read-only',
      'cannot execute INSERT in a read-only transaction, 25006',
    ],
    [
      'SQLite out of disk',
      coded('database or disk is full', 'SQLITE_FULL'),
      'disk-full',
      'database or disk is full, SQLITE_FULL',
    ],
    [
      'a SQLite write error',
      coded('disk I/O error', 'SQLITE_IOERR_WRITE'),
      'io-error',
      'disk I/O error, SQLITE_IOERR_WRITE',
    ],
    [
      'a read-only SQLite file',
      coded('attempt to write a readonly database', 'SQLITE_READONLY'),
      'read-only',
      'attempt to write a readonly database, SQLITE_READONLY',
    ],
    [
      'a damaged SQLite file',
      coded('database disk image is malformed', 'SQLITE_CORRUPT'),
      'corrupt',
      'database disk image is malformed, SQLITE_CORRUPT',
    ],
    [
      'not a SQLite file',
      coded('file is not a database', 'SQLITE_NOTADB'),
      'corrupt',
      'file is not a database, SQLITE_NOTADB',
    ],
    ['a locked SQLite file', coded('database is locked', 'SQLITE_BUSY'), 'busy', 'database is locked, SQLITE_BUSY'],
  ])('%s', (_label, error, kind, detail) => {
    expect(classifyDatabaseFault(error)).toEqual({ kind, detail });
  });

  it.each<[string, unknown]>([
    ['a unique violation (a bug, not a fault)', coded('duplicate key value violates unique constraint "x"', '23505')],
    ['a missing table', coded('relation "runs" does not exist', '42P01')],
    ['a SQLite constraint', coded('UNIQUE constraint failed: runs.id', 'SQLITE_CONSTRAINT_PRIMARYKEY')],
    [
      '"cannot rollback": a consequence, never the cause',
      coded('cannot rollback - no transaction is active', 'SQLITE_ERROR'),
    ],
    ['an error without a code', new Error('something else')],
    ['not an error', 'ECONNRESET'],
  ])('leaves %s alone', (_label, error) => {
    expect(classifyDatabaseFault(error)).toBeNull();
  });

  it('keeps only the first line of a driver message', () => {
    expect(classifyDatabaseFault(coded('database or disk is full\n    at Statement.run', 'SQLITE_FULL'))?.detail).toBe(
      'database or disk is full, SQLITE_FULL',
    );
  });
});

describe('DatabaseError', () => {
  const fault = { kind: 'connection-lost', detail: 'Connection terminated unexpectedly' } as const;

  it('names the database and says what happens next, with the step it interrupted', () => {
    const error = new DatabaseError('postgres://dirsync:***@db.internal:5432/dirsync', fault);
    expect(error.message).toBe(
      'the database postgres://dirsync:***@db.internal:5432/dirsync went away (Connection terminated unexpectedly): ' +
        'nothing more was written; the next run resumes once it answers again',
    );
    const during = error.during('during the run');
    expect(during.message).toBe(
      'the database postgres://dirsync:***@db.internal:5432/dirsync went away during the run ' +
        '(Connection terminated unexpectedly): nothing more was written; the next run resumes once it answers again',
    );
    expect(during.during('while closing')).toBe(during);
    expect(during.fault).toBe(fault);
  });

  it('says what to do for each kind of fault', () => {
    const say = (kind: DatabaseFaultKind) => new DatabaseError('sqlite:./dirsync.db', { kind, detail: 'x' }).message;
    expect(say('disk-full')).toMatch(/is full \(x\): nothing more was written; free space on its disk/);
    expect(say('io-error')).toMatch(/could not read or write its storage \(x\): .*check its disk/);
    expect(say('read-only')).toMatch(/refuses writes \(x\): .*give dirsync write access/);
    expect(say('corrupt')).toMatch(/is damaged \(x\): stop dirsync and restore the database from a backup/);
    expect(say('busy')).toMatch(/stayed locked by another process \(x\): .*run again once that process is done/);
  });
});
