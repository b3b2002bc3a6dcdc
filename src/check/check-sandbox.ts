import { readFile } from 'node:fs/promises';
import { ConnectorError } from '../../connectors/connector-error.js';
import { bundledSampleDirectoryFile } from '../../connectors/sandbox/sandbox-connector.js';
import { parseSandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

const NAME = 'sandbox file';

/** Reads and parses `DIRSYNC_SANDBOX_FILE` (unset: the bundled sample) exactly as the sandbox connector does. */
export async function checkSandbox(file: string | undefined): Promise<CheckResult> {
  const bundled = file === undefined || file.trim() === '';
  const path = bundled ? bundledSampleDirectoryFile() : file;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
    const why = typeof code === 'string' ? code : String(error);
    return failed(NAME, `DIRSYNC_SANDBOX_FILE ${path} cannot be read (${why}): check the path`);
  }
  try {
    const directory = parseSandboxDirectoryFile(text, path);
    const what = bundled ? 'the bundled sample' : path;
    return passed(NAME, `${what} holds ${directory.users.length} users and ${directory.groups.length} groups`);
  } catch (error) {
    if (error instanceof ConnectorError) return failed(NAME, error.message);
    throw error;
  }
}
