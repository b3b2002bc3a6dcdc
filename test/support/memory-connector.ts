import type { DirectoryConnector, ReadRequest, ReadResult } from '../../connectors/directory-connector.js';
import { ConnectorError } from '../../connectors/connector-error.js';
import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import type { DirectoryGroup } from '../../src/core/model/directory-group.js';
import type { DirectoryUser } from '../../src/core/model/directory-user.js';

/**
 * A test implementation of the DirectoryConnector port over a directory held in memory: every read is full
 * (pages of `pageSize` objects), and `failAfterPages` makes a read break half-way like a network failure would.
 */
export class MemoryConnector implements DirectoryConnector {
  readonly idp = 'sandbox';
  readonly source = 'memory directory';
  readonly users = new Map<string, DirectoryUser>();
  readonly groups = new Map<string, DirectoryGroup & { members: string[] }>();
  failAfterPages: number | null = null;
  reads = 0;

  constructor(private readonly pageSize = 2) {}

  user(id: string, overrides: Partial<DirectoryUser> = {}): DirectoryUser {
    const user: DirectoryUser = {
      id,
      userName: `${id}@example.com`,
      email: `${id}@example.com`,
      givenName: id,
      familyName: 'Test',
      displayName: `${id} Test`,
      active: true,
      status: 'ACTIVE',
      ...overrides,
    };
    this.users.set(id, user);
    return user;
  }

  group(id: string, displayName: string, members: string[], builtIn = false): void {
    this.groups.set(id, { id, displayName, builtIn, members });
  }

  async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    this.reads++;
    const changes: DirectoryChange[] = [
      ...[...this.users.values()].map((user): DirectoryChange => ({ type: 'user', user })),
      ...[...this.groups.values()].map(({ members: _m, ...group }): DirectoryChange => ({ type: 'group', group })),
      ...[...this.groups.values()].map((g): DirectoryChange => ({
        type: 'members.replace',
        groupId: g.id,
        memberIds: g.members,
      })),
    ];
    let pages = 0;
    for (let i = 0; i < changes.length; i += this.pageSize) {
      if (this.failAfterPages !== null && pages >= this.failAfterPages) {
        throw new ConnectorError('unavailable', 'the directory stopped answering (test fault)');
      }
      await Promise.resolve();
      pages++;
      yield { changes: changes.slice(i, i + this.pageSize) };
    }
    return { full: true, cursor: `read-${this.reads}${request.full ? '-full' : ''}` };
  }
}
