import type { DirectoryUser } from '../model/directory-user.js';
import { displayNameOf } from './display-name.js';

/** The fields of a Microsoft Graph user that dirsync reads, already validated by the connector. */
export interface GraphUserFields {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly accountEnabled?: boolean | null | undefined;
  readonly mail?: string | null | undefined;
  readonly proxyAddresses?: readonly string[] | null | undefined;
  readonly otherMails?: readonly string[] | null | undefined;
  readonly givenName?: string | null | undefined;
  readonly surname?: string | null | undefined;
  readonly displayName?: string | null | undefined;
}

/**
 * E-mail per DESIGN: `mail`, else the primary `SMTP:` proxy address (upper-case prefix marks the primary;
 * lower-case `smtp:` entries are aliases), else `otherMails[0]`, else the UPN.
 */
export function graphUserEmail(user: GraphUserFields): string {
  if (user.mail?.trim()) return user.mail.trim();
  const primary = user.proxyAddresses?.find((address) => address.startsWith('SMTP:'));
  if (primary !== undefined && primary.length > 'SMTP:'.length) return primary.slice('SMTP:'.length);
  const other = user.otherMails?.find((address) => address.trim() !== '');
  if (other !== undefined) return other.trim();
  return user.userPrincipalName;
}

export function graphUserToDirectoryUser(user: GraphUserFields): DirectoryUser {
  const givenName = user.givenName ?? '';
  const familyName = user.surname ?? '';
  const active = user.accountEnabled === true;
  return {
    id: user.id,
    userName: user.userPrincipalName,
    email: graphUserEmail(user),
    givenName,
    familyName,
    displayName: displayNameOf(user.displayName, givenName, familyName, user.userPrincipalName),
    active,
    status: active ? 'enabled' : 'disabled',
  };
}
