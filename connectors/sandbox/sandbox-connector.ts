import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import type { DirectoryUser } from '../../src/core/model/directory-user.js';
import { idpAttributesOf } from '../../src/core/mapping/idp-attributes.js';
import { oktaUserToDirectoryUser } from '../../src/core/mapping/okta-user-mapping.js';
import { ConnectorError } from '../connector-error.js';
import type { DirectoryConnector, ReadRequest, ReadResult } from '../directory-connector.js';
import { parseSandboxDirectoryFile } from './sandbox-directory-file.js';
import type { SandboxUser } from './sandbox-directory-file.js';

/** Changes per page, like a modest IdP page: enough to exercise paging in the mirror. */
export const SANDBOX_PAGE_SIZE = 200;

// The sample stays at `connectors/sandbox/` of the package root; it is not copied into `dist`. From the TS source
// it sits beside this module; from `dist/connectors/sandbox/` it is three levels up, then back down.
const SAMPLE_BESIDE_SOURCE = new URL('./sample-directory.json', import.meta.url);
const SAMPLE_FROM_DIST = new URL('../../../connectors/sandbox/sample-directory.json', import.meta.url);

/** The path of the bundled sample directory, whether this module runs from the TS source or from `dist`. */
export function bundledSampleDirectoryFile(): string {
  const fromDist = existsSync(SAMPLE_FROM_DIST) && !existsSync(SAMPLE_BESIDE_SOURCE);
  return fileURLToPath(fromDist ? SAMPLE_FROM_DIST : SAMPLE_BESIDE_SOURCE);
}

/**
 * A directory read from a JSON file (`DIRSYNC_SANDBOX_FILE`; default: the bundled sample of a few dozen people):
 * the quick start and offline experiments need no IdP account. Users carry Okta lifecycle statuses and are
 * mapped exactly as Okta users are.
 *
 * Every read is full: users, then groups, then each group's members, in pages of at most `SANDBOX_PAGE_SIZE`
 * changes. The cursor is the SHA-256 of the file, so a changed file is visible in `status`.
 */
export class SandboxConnector implements DirectoryConnector {
  readonly idp = 'sandbox';
  readonly source: string;
  readonly #file: string;
  readonly #bundled: boolean;

  /** `file` is `DIRSYNC_SANDBOX_FILE`; unset or empty means the bundled sample. */
  constructor(file?: string) {
    this.#bundled = file === undefined || file.trim() === '';
    this.#file = this.#bundled || file === undefined ? bundledSampleDirectoryFile() : file;
    this.source = this.#bundled ? `sandbox sample ${this.#file}` : `sandbox file ${this.#file}`;
  }

  async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    request.signal?.throwIfAborted();
    const bytes = await this.#readFile();
    // One snapshot of the file for the whole read: the pages and the cursor describe the same content.
    const directory = parseSandboxDirectoryFile(bytes.toString('utf8'), this.#file);
    const cursor = createHash('sha256').update(bytes).digest('hex');

    const users: DirectoryChange[] = directory.users.map((user) => ({ type: 'user', user: toDirectoryUser(user) }));
    const groups: DirectoryChange[] = directory.groups.map((group) => ({
      type: 'group',
      group: {
        id: group.id,
        displayName: group.displayName,
        builtIn: group.type === 'BUILT_IN',
        ...(group.attributes === undefined ? {} : { attributes: idpAttributesOf(group.attributes) }),
      },
    }));
    const members: DirectoryChange[] = directory.groups.map((group) => ({
      type: 'members.replace',
      groupId: group.id,
      memberIds: [...group.members],
    }));
    for (const changes of [users, groups, members]) {
      for (let start = 0; start < changes.length; start += SANDBOX_PAGE_SIZE) {
        request.signal?.throwIfAborted();
        yield { changes: changes.slice(start, start + SANDBOX_PAGE_SIZE) };
      }
    }
    return { full: true, cursor };
  }

  async #readFile(): Promise<Buffer> {
    try {
      return await readFile(this.#file);
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : '';
      if (code === 'ENOENT' && this.#bundled) {
        throw new ConnectorError(
          'config',
          `the bundled sandbox sample ${this.#file} is missing from this installation: set DIRSYNC_SANDBOX_FILE to a directory JSON file`,
          { cause: error },
        );
      }
      if (code === 'ENOENT') {
        throw new ConnectorError(
          'config',
          `DIRSYNC_SANDBOX_FILE ${this.#file} not found: point it at a directory JSON file, or unset it to use the bundled sample`,
          { cause: error },
        );
      }
      throw new ConnectorError('config', `DIRSYNC_SANDBOX_FILE ${this.#file} cannot be read (${code || 'error'})`, {
        cause: error,
      });
    }
  }
}

function toDirectoryUser(user: SandboxUser): DirectoryUser {
  const mapped = oktaUserToDirectoryUser({
    id: user.id,
    status: user.status,
    profile: {
      login: user.userName,
      email: user.email,
      firstName: user.givenName,
      lastName: user.familyName,
      displayName: user.displayName,
    },
  });
  return user.attributes === undefined ? mapped : { ...mapped, attributes: idpAttributesOf(user.attributes) };
}
