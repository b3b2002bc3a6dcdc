/**
 * What went wrong with the database itself, as opposed to a statement it rejected (a constraint, a syntax error:
 * those are bugs and stay the driver's errors).
 * - `connection-lost`: the connection dropped (server restart, `pg_terminate_backend`, network) or no new one
 *   could be opened.
 * - `disk-full`: no space left for the database (SQLite `SQLITE_FULL`, PostgreSQL `53100`).
 * - `io-error`: the storage failed a read or a write (`SQLITE_IOERR…`, PostgreSQL `58030`).
 * - `read-only`: the database refuses writes (a read-only file or folder, a PostgreSQL replica).
 * - `corrupt`: the file or an index is damaged (`SQLITE_CORRUPT`, `SQLITE_NOTADB`, PostgreSQL `XX001`/`XX002`).
 * - `busy`: another process kept the database locked past the busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED`).
 */
export type DatabaseFaultKind = 'connection-lost' | 'disk-full' | 'io-error' | 'read-only' | 'corrupt' | 'busy';

export interface DatabaseFault {
  readonly kind: DatabaseFaultKind;
  /** The driver's own words and code, e.g. `database or disk is full, SQLITE_FULL`. */
  readonly detail: string;
}

/**
 * A database fault, said for the operator: which database (without credentials), what happened, and what to do.
 * One line, never a driver stack; the driver's error is the `cause`.
 */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';

  /** The step the fault interrupted, as the message says it (`during the run`), when one was named. */
  readonly step: string | undefined;

  constructor(
    /** The database as `describeDatabase` names it: never a password. */
    readonly database: string,
    readonly fault: DatabaseFault,
    options: { readonly cause?: unknown; readonly during?: string } = {},
  ) {
    super(faultMessage(database, fault, options.during), { cause: options.cause });
    this.step = options.during;
  }

  /** The same fault, said of the step it interrupted (`during the run`); a step already named is kept. */
  during(step: string): DatabaseError {
    return this.step === undefined
      ? new DatabaseError(this.database, this.fault, { cause: this.cause, during: step })
      : this;
  }
}

// Node's socket errors: the server or the network went away, or nothing answers where it was.
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs: class 08 (connection exception), the server shutting down or restarting (57P01-57P03), a session
// ended by the server's timeouts, too many clients to reconnect.
const PG_CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '57P05', '25P03', '53300']);
const PG_STATES: Readonly<Record<string, DatabaseFaultKind>> = {
  '53100': 'disk-full',
  '58030': 'io-error',
  '25006': 'read-only',
  XX001: 'corrupt',
  XX002: 'corrupt',
};

// What pg and pg-pool throw without a code when a connection is gone or cannot be opened in time.
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/**
 * Which fault a driver error (pg, pg-pool, better-sqlite3, a socket) reports, or null when it is not a database
 * fault. Call it only on errors that came from the database: a socket code alone cannot tell a database from any
 * other server.
 */
export function classifyDatabaseFault(error: unknown): DatabaseFault | null {
  if (!(error instanceof Error)) return null;
  const code = codeOf(error);
  const kind = code === undefined ? kindOfMessage(error.message) : kindOfCode(code);
  if (kind === null) return null;
  const message = firstLine(error.message);
  return { kind, detail: code === undefined || message.includes(code) ? message : `${message}, ${code}` };
}

function kindOfCode(code: string): DatabaseFaultKind | null {
  if (code.startsWith('SQLITE_')) {
    const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
    switch (primary) {
      case 'SQLITE_FULL':
        return 'disk-full';
      case 'SQLITE_IOERR':
      case 'SQLITE_CANTOPEN':
        return 'io-error';
      case 'SQLITE_READONLY':
        return 'read-only';
      case 'SQLITE_CORRUPT':
      case 'SQLITE_NOTADB':
        return 'corrupt';
      case 'SQLITE_BUSY':
      case 'SQLITE_LOCKED':
        return 'busy';
      default:
        return null;
    }
  }
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || PG_CONNECTION_STATES.has(code)) return 'connection-lost';
  return PG_STATES[code] ?? null;
}

function kindOfMessage(message: string): DatabaseFaultKind | null {
  return PG_CONNECTION_MESSAGES.test(message) ? 'connection-lost' : null;
}

function codeOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}

function faultMessage(database: string, fault: DatabaseFault, during: string | undefined): string {
  const at = during === undefined ? '' : ` ${during}`;
  const what = `(${fault.detail})`;
  switch (fault.kind) {
    case 'connection-lost':
      return `the database ${database} went away${at} ${what}: nothing more was written; the next run resumes once it answers again`;
    case 'disk-full':
      return `the database ${database} is full${at} ${what}: nothing more was written; free space on its disk, then run again: the next run resumes`;
    case 'io-error':
      return `the database ${database} could not read or write its storage${at} ${what}: nothing more was written; check its disk, then run again: the next run resumes`;
    case 'read-only':
      return `the database ${database} refuses writes${at} ${what}: nothing more was written; give dirsync write access (the SQLite file and its folder, or the PostgreSQL primary rather than a replica), then run again`;
    case 'corrupt':
      return `the database ${database} is damaged${at} ${what}: stop dirsync and restore the database from a backup before the next run`;
    case 'busy':
      return `the database ${database} stayed locked by another process${at} ${what}: nothing more was written; run again once that process is done (one process at a time writes a SQLite file)`;
  }
}
