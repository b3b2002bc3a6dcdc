import { createHash } from 'node:crypto';
import { ConnectorError } from '../connector-error.js';
import { GROUP_SELECT, USER_SELECT } from './graph-wire.js';

/** A Graph property name as `$select` takes it (OData identifiers; directory extensions match too). */
const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** What the users and groups are read with, and a fingerprint of it for the cursor. */
export interface GraphSelection {
  /** `$select` of users: `USER_SELECT`, then the extra properties not already in it. */
  readonly user: readonly string[];
  /** `$select` of groups (`GROUP_SELECT`). */
  readonly group: readonly string[];
  /**
   * Changes whenever `user` or `group` gains or loses a property (not when the same extra properties are listed in
   * another order): a delta link carries the `$select` it was started with, so a cursor read with another selection
   * must give way to a full round, or the new properties would never arrive for users that do not change.
   */
  readonly fingerprint: string;
}

/**
 * Directory extension attributes (`extension_<appId without dashes>_<name>`, extensibility-overview): Graph answers
 * one only when the object has a value for it, where other selected properties come as `null` or `[]`.
 */
export function isDirectoryExtension(name: string): boolean {
  return name.toLowerCase().startsWith('extension_');
}

/**
 * The selection for `extraUserProperties` (e.g. directory extensions). Throws `ConnectorError('config')` naming a
 * name that cannot be a Graph property. Graph matches `$select` names case-insensitively, so an extra property that
 * differs from a selected one only in case is dropped.
 */
export function graphSelection(extraUserProperties: readonly string[] = []): GraphSelection {
  const bad = extraUserProperties.filter((name) => !PROPERTY_NAME.test(name));
  if (bad.length > 0) {
    throw new ConnectorError(
      'config',
      `Microsoft Graph extra user properties: ${bad.map((name) => JSON.stringify(name.slice(0, 80))).join(', ')} ` +
        `${bad.length === 1 ? 'is not a property name' : 'are not property names'} (letters, digits and _, starting ` +
        'with a letter; a directory extension is extension_<application id without dashes>_<name>)',
    );
  }
  const user: string[] = [...USER_SELECT];
  const seen = new Set(user.map((name) => name.toLowerCase()));
  for (const name of extraUserProperties) {
    if (seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    user.push(name);
  }
  const group: readonly string[] = GROUP_SELECT;
  const canonical = [...user.map((name) => `user:${name.toLowerCase()}`), ...group.map((name) => `group:${name}`)]
    .sort()
    .join(',');
  const fingerprint = createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
  return Object.freeze({ user: Object.freeze(user), group, fingerprint });
}
