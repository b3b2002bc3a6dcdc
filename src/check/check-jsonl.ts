import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

const NAME = 'jsonl file';

/**
 * Whether the JSONL target can append to `APP_JSONL_PATH`, creating nothing: an existing file must be readable
 * (a resumed run reads it back) and writable; a missing one needs a writable directory. A missing directory
 * passes when the nearest existing ancestor is writable, because the target creates the directories it needs.
 */
export async function checkJsonl(path: string): Promise<CheckResult> {
  const file = resolve(path);
  const found = await statOrCode(file);
  if (typeof found !== 'string') {
    if (!found.isFile())
      return failed(NAME, `APP_JSONL_PATH ${file} is not a file: give a file path, e.g. ${file}/changes.jsonl`);
    const denied = await accessCode(file, constants.R_OK | constants.W_OK);
    if (denied !== undefined) {
      return failed(
        NAME,
        `APP_JSONL_PATH ${file} cannot be read and appended to (${denied}): fix its permissions or choose another path`,
      );
    }
    return passed(NAME, `${file} exists (${found.size} bytes) and can be appended to`);
  }
  if (found !== 'ENOENT') return failed(NAME, `APP_JSONL_PATH ${file} cannot be inspected (${found}): check the path`);

  const directory = dirname(file);
  let existing = directory;
  let info = await statOrCode(existing);
  while (info === 'ENOENT' && dirname(existing) !== existing) {
    existing = dirname(existing);
    info = await statOrCode(existing);
  }
  if (typeof info === 'string') return failed(NAME, `${existing} cannot be inspected (${info}): check APP_JSONL_PATH`);
  if (!info.isDirectory()) {
    return failed(NAME, `APP_JSONL_PATH ${file} lies under ${existing}, which is not a directory: choose another path`);
  }
  const denied = await accessCode(existing, constants.W_OK | constants.X_OK);
  if (denied !== undefined) {
    return failed(
      NAME,
      `${existing} is not writable by this user (${denied}): fix its permissions or choose another APP_JSONL_PATH`,
    );
  }
  const created = existing === directory ? '' : ` (${directory} too: ${existing} is writable)`;
  return passed(NAME, `${file} does not exist yet; the first applied change creates it${created}`);
}

async function statOrCode(path: string): Promise<Stats | string> {
  try {
    return await stat(path);
  } catch (error) {
    return codeOf(error);
  }
}

async function accessCode(path: string, mode: number): Promise<string | undefined> {
  try {
    await access(path, mode);
    return undefined;
  } catch (error) {
    return codeOf(error);
  }
}

function codeOf(error: unknown): string {
  const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' ? code : String(error);
}
