/**
 * Entra ID users and groups as Microsoft Graph v1.0 shows them, limited to the properties a directory sync reads.
 * See https://learn.microsoft.com/graph/api/resources/user and https://learn.microsoft.com/graph/api/resources/group.
 */
export interface GraphUserRecord {
  readonly id: string;
  readonly userPrincipalName: string;
  /** Null for users without an Exchange mailbox, as in Entra. */
  readonly mail: string | null;
  /** `SMTP:` marks the primary address, `smtp:` the aliases. */
  readonly proxyAddresses: readonly string[];
  readonly otherMails: readonly string[];
  readonly givenName: string | null;
  readonly surname: string | null;
  readonly displayName: string | null;
  readonly accountEnabled: boolean;
  readonly userType: 'Member' | 'Guest';
  readonly jobTitle: string | null;
  readonly department: string | null;
}

export interface GraphGroupRecord {
  readonly id: string;
  readonly displayName: string;
  readonly description: string | null;
  /** `["Unified"]` for a Microsoft 365 group, `[]` for a security or distribution group. */
  readonly groupTypes: readonly string[];
  readonly securityEnabled: boolean;
  readonly mailEnabled: boolean;
  readonly mail: string | null;
  readonly mailNickname: string;
}

/** What a test gives to create a user; the rest gets Entra's defaults (a member, enabled, no mailbox aliases). */
export type GraphUserSeed = Partial<Omit<GraphUserRecord, 'userPrincipalName'>> & {
  readonly userPrincipalName: string;
};

export type GraphUserPatch = Partial<Omit<GraphUserRecord, 'id'>>;

export type GraphGroupSeed = Partial<Omit<GraphGroupRecord, 'displayName'>> & { readonly displayName: string };

export type GraphGroupPatch = Partial<Omit<GraphGroupRecord, 'id'>>;

export type GraphMemberType = 'user' | 'group';

export interface GraphMemberRef {
  readonly id: string;
  readonly type: GraphMemberType;
}

/** Graph's `@removed.reason`: `changed` = soft-deleted (restorable for 30 days), `deleted` = permanently deleted. */
export type GraphRemovedReason = 'changed' | 'deleted';

export const USER_PROPERTIES = [
  'id',
  'userPrincipalName',
  'mail',
  'proxyAddresses',
  'otherMails',
  'givenName',
  'surname',
  'displayName',
  'accountEnabled',
  'userType',
  'jobTitle',
  'department',
] as const satisfies readonly (keyof GraphUserRecord)[];

export const GROUP_PROPERTIES = [
  'id',
  'displayName',
  'description',
  'groupTypes',
  'securityEnabled',
  'mailEnabled',
  'mail',
  'mailNickname',
] as const satisfies readonly (keyof GraphGroupRecord)[];

/** Properties Graph returns when a request has no `$select` (a subset, as on the real service). */
export const DEFAULT_USER_SELECT: readonly string[] = [
  'id',
  'userPrincipalName',
  'mail',
  'givenName',
  'surname',
  'displayName',
  'jobTitle',
];

export const DEFAULT_GROUP_SELECT: readonly string[] = GROUP_PROPERTIES;
