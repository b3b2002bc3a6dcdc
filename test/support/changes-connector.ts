import type { ReadRequest, ReadResult } from '../../connectors/directory-connector.js';
import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import { MemoryConnector } from './memory-connector.js';

/** Full reads as MemoryConnector; a read of changes brings only `pending` (then nothing), like Okta's or Graph's. */
export class ChangesConnector extends MemoryConnector {
  pending: DirectoryChange[] = [];

  override async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    if (request.full || request.cursor === null) return yield* super.read(request);
    this.reads++;
    const changes = this.pending;
    this.pending = [];
    await Promise.resolve();
    if (changes.length > 0) yield { changes };
    return { full: false, cursor: `changes-${this.reads}` };
  }

  /** A user added or changed at the IdP, for the next read of changes to bring. */
  changeUser(id: string, overrides: Parameters<MemoryConnector['user']>[1] = {}): void {
    this.pending.push({ type: 'user', user: this.user(id, overrides) });
  }
}
