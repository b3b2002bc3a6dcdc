import type { JsonValue } from './graph-json.js';

/**
 * Directory extension attributes a test sets on a user or group (`extension_<appId without dashes>_<name>`,
 * https://learn.microsoft.com/graph/extensibility-overview): kept only while they hold a value (setting one to null
 * removes it, as a PATCH does on Graph), so Graph's answers leave out the unset ones.
 */
export interface GraphExtensionAttributes {
  readonly [extension: `extension_${string}`]: JsonValue | undefined;
}

/**
 * Entra ID users and groups as Microsoft Graph v1.0 shows them, limited to the properties a directory sync reads.
 * See https://learn.microsoft.com/graph/api/resources/user and https://learn.microsoft.com/graph/api/resources/group.
 */
export interface GraphUserRecord extends GraphExtensionAttributes {
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
  readonly companyName: string | null;
  readonly employeeId: string | null;
  readonly employeeType: string | null;
  readonly officeLocation: string | null;
  readonly city: string | null;
  readonly state: string | null;
  readonly country: string | null;
  /** Two-letter country code licences are assigned for. */
  readonly usageLocation: string | null;
  readonly preferredLanguage: string | null;
  readonly mobilePhone: string | null;
  readonly businessPhones: readonly string[];
  /** Synced from on-premises AD; null for cloud-only users. */
  readonly onPremisesSamAccountName: string | null;
}

export interface GraphGroupRecord extends GraphExtensionAttributes {
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

/** The user defaults of Entra for what a seed leaves out: a member, enabled, nothing else set. */
export const USER_DEFAULTS = {
  mail: null,
  proxyAddresses: [],
  otherMails: [],
  givenName: null,
  surname: null,
  displayName: null,
  accountEnabled: true,
  userType: 'Member',
  jobTitle: null,
  department: null,
  companyName: null,
  employeeId: null,
  employeeType: null,
  officeLocation: null,
  city: null,
  state: null,
  country: null,
  usageLocation: null,
  preferredLanguage: null,
  mobilePhone: null,
  businessPhones: [],
  onPremisesSamAccountName: null,
} as const satisfies Omit<GraphUserRecord, 'id' | 'userPrincipalName'>;

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
  'companyName',
  'employeeId',
  'employeeType',
  'officeLocation',
  'city',
  'state',
  'country',
  'usageLocation',
  'preferredLanguage',
  'mobilePhone',
  'businessPhones',
  'onPremisesSamAccountName',
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
