import type { DirectoryConnector, ReadResult } from '../../connectors/directory-connector.js';
import {
  addDirectoryChange,
  emptyDirectoryDelta,
  isolatedObjectsOf,
  type DirectoryDelta,
} from '../core/directory-delta.js';
import type { IsolatedObject } from '../core/model/isolated-object.js';
import { screenDirectoryChange } from '../core/screen-directory-change.js';
import type { SyncProgress } from './sync-progress.js';

export interface DirectoryRead {
  readonly delta: DirectoryDelta;
  readonly result: ReadResult;
  readonly pages: number;
  readonly objects: number;
  /** The objects this read isolated (see `DirectoryDelta`), users, groups, then those without a usable id. */
  readonly isolated: readonly IsolatedObject[];
}

/**
 * Reads the whole answer of the connector into memory before anything is written: a read that fails half-way
 * throws here and leaves the mirror, the cursors and the app untouched. Every change of every connector passes
 * the same screen (`screenDirectoryChange`): one object the mirror cannot store or the app should not get is
 * isolated instead of failing the read.
 */
export async function readDirectory(
  connector: DirectoryConnector,
  request: { full: boolean; cursor: string | null; signal?: AbortSignal },
  progress: SyncProgress,
): Promise<DirectoryRead> {
  const delta = emptyDirectoryDelta();
  const pages = connector.read(request);
  let pageCount = 0;
  let objects = 0;
  for (;;) {
    const next = await pages.next();
    if (next.done === true) {
      progress({ type: 'read.done', pages: pageCount, objects, full: next.value.full });
      return { delta, result: next.value, pages: pageCount, objects, isolated: isolatedObjectsOf(delta) };
    }
    pageCount++;
    for (const change of next.value.changes) {
      const screened = screenDirectoryChange(change);
      if (screened !== null) addDirectoryChange(delta, screened);
      objects++;
    }
    progress({ type: 'read.page', pages: pageCount, objects });
  }
}
