import type { DirectoryConnector, ReadResult } from '../../connectors/directory-connector.js';
import type { DirectoryChange } from '../../src/core/model/directory-change.js';

/** Every change of a connector's full read, and what the read returned at its end. */
export async function fullRead(
  connector: Pick<DirectoryConnector, 'read'>,
): Promise<{ changes: DirectoryChange[]; result: ReadResult }> {
  const generator = connector.read({ full: true, cursor: null });
  const changes: DirectoryChange[] = [];
  for (;;) {
    const next = await generator.next();
    if (next.done === true) return { changes, result: next.value };
    changes.push(...next.value.changes);
  }
}
