import { createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type {
  CreateOptions,
  CreateResult,
  GroupChanges,
  GroupWrite,
  Target,
  UserChanges,
  UserWrite,
} from '../target.js';
import { TargetError } from '../target-error.js';
import type { JsonlRecord } from './jsonl-record.js';

export interface JsonlTargetOptions {
  /** The time stamped on each line; injected so tests are deterministic. Default: the system clock. */
  readonly now?: () => Date;
  /**
   * Flush each line to the disk before the write counts as applied (default true): the outbox marks the op done
   * right after, so a line lost to a power cut would be a write the app never saw.
   */
  readonly durable?: boolean;
}

// Only what deciding "was this object already created?" needs; other fields of a line are not read back.
const lineHead = z.object({ op: z.string(), appId: z.string() });

/**
 * The JSONL target (`APP_JSONL_PATH`): each applied write becomes one JSON line appended to a file (see
 * `JsonlRecord`). App ids are derived from the externalId (`u-<id>`, `g-<id>`), so a create repeated after a
 * crash returns the same id; with `resumed: true` it also writes no second line when the file already holds the
 * object's create. Writes are serialised: one line, one `write`, in the order the calls were made.
 *
 * Assumes it is the only writer of the file (the quick start's single process).
 */
export class JsonlTarget implements Target {
  readonly name = 'jsonl';
  readonly path: string;
  readonly #now: () => Date;
  readonly #durable: boolean;
  /** Serialises appends and the one-off read of the file, so a read never sees half of the writes. */
  #queue: Promise<unknown> = Promise.resolve();
  /** App ids of the users and live groups the file holds; read on the first resumed create only. */
  #created: Set<string> | undefined;
  #needsLeadingNewline: boolean | undefined;

  constructor(path: string, options: JsonlTargetOptions = {}) {
    this.path = path;
    this.#now = options.now ?? (() => new Date());
    this.#durable = options.durable ?? true;
  }

  createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    const appId = `u-${user.externalId}`;
    return this.#create(appId, options, () => ({
      at: this.#at(),
      op: 'user.create',
      appId,
      externalId: user.externalId,
      user: { ...user },
    }));
  }

  async updateUser(appId: string, changes: UserChanges): Promise<void> {
    // The extra attributes as given, `null` (cleared) included; an empty set of them is no change.
    const { extra, ...attributes } = changes;
    const effective: UserChanges = extra === undefined || Object.keys(extra).length === 0 ? attributes : changes;
    // Nothing to change is no write at all: an unchanged directory must leave the app untouched.
    if (Object.keys(effective).length === 0) return;
    await this.#serial(() => this.#append({ at: this.#at(), op: 'user.update', appId, changes: { ...effective } }));
  }

  createGroup(group: GroupWrite, options: CreateOptions): Promise<CreateResult> {
    const appId = `g-${group.externalId}`;
    return this.#create(appId, options, () => ({
      at: this.#at(),
      op: 'group.create',
      appId,
      externalId: group.externalId,
      group: { ...group },
    }));
  }

  async updateGroup(appId: string, changes: GroupChanges): Promise<void> {
    const effective: { -readonly [K in keyof GroupChanges]: GroupChanges[K] } = {};
    if (changes.displayName !== undefined) effective.displayName = changes.displayName;
    if (changes.addMemberIds !== undefined && changes.addMemberIds.length > 0) {
      effective.addMemberIds = [...changes.addMemberIds];
    }
    if (changes.removeMemberIds !== undefined && changes.removeMemberIds.length > 0) {
      effective.removeMemberIds = [...changes.removeMemberIds];
    }
    if (Object.keys(effective).length === 0) return;
    await this.#serial(() => this.#append({ at: this.#at(), op: 'group.update', appId, changes: effective }));
  }

  async deleteGroup(appId: string): Promise<void> {
    await this.#serial(() => this.#append({ at: this.#at(), op: 'group.delete', appId }));
  }

  #create(appId: string, options: CreateOptions, record: () => JsonlRecord): Promise<CreateResult> {
    return this.#serial(async () => {
      if (options.resumed) {
        const created = await this.#createdInFile();
        // dirsync wrote that line itself before the crash: not an adoption, so the invite is still owed.
        if (created.has(appId)) return { appId, adopted: false };
      }
      await this.#append(record());
      return { appId, adopted: false };
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #at(): string {
    return this.#now().toISOString();
  }

  async #append(record: JsonlRecord): Promise<void> {
    try {
      if (this.#needsLeadingNewline === undefined) {
        await mkdir(dirname(this.path), { recursive: true });
        this.#needsLeadingNewline = await this.#endsWithTornLine();
      }
      const bytes = Buffer.from(`${this.#needsLeadingNewline ? '\n' : ''}${JSON.stringify(record)}\n`, 'utf8');
      const handle = await open(this.path, 'a');
      try {
        // One write per line; the loop only finishes a short write, which regular files rarely do.
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
          written += bytesWritten;
        }
        if (this.#durable) await handle.datasync();
      } finally {
        await handle.close();
      }
      this.#needsLeadingNewline = false;
    } catch (error) {
      throw this.#toTargetError(error, 'append to');
    }
    if (this.#created !== undefined) track(this.#created, record.op, record.appId);
  }

  // A process killed in the middle of a write can leave a last line without its newline; the next line must not
  // be glued to it.
  async #endsWithTornLine(): Promise<boolean> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw error;
    }
    if (size === 0) return false;
    const handle = await open(this.path, 'r');
    try {
      const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
      return buffer[0] !== 0x0a;
    } finally {
      await handle.close();
    }
  }

  /** Reads the file once, streaming, and keeps the answer up to date with every later append. */
  async #createdInFile(): Promise<Set<string>> {
    if (this.#created !== undefined) return this.#created;
    const created = new Set<string>();
    try {
      const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        const head = lineHead.safeParse(parseJson(line));
        // A torn last line (a crash mid-write) is not a create that happened: it does not parse.
        if (head.success) track(created, head.data.op, head.data.appId);
      }
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw this.#toTargetError(error, 'read');
    }
    this.#created = created;
    return created;
  }

  #toTargetError(error: unknown, action: string): TargetError {
    const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error';
    const fixable = ['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EROFS', 'ENOENT', 'ENAMETOOLONG'].includes(
      code,
    );
    return new TargetError(
      fixable ? 'config' : 'unavailable',
      fixable
        ? `APP_JSONL_PATH ${this.path}: cannot ${action} the file (${code}): point it at a writable file`
        : `APP_JSONL_PATH ${this.path}: cannot ${action} the file (${code}); the op stays pending`,
      { cause: error },
    );
  }
}

function track(created: Set<string>, op: string, appId: string): void {
  if (op === 'user.create' || op === 'group.create') created.add(appId);
  if (op === 'group.delete') created.delete(appId);
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
