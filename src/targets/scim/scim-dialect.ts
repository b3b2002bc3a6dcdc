import type { OpKind } from '../../core/planner/op.js';
import type { ScimLookupAttribute } from './scim-filter.js';
import type { ScimBulkLimits, ScimCapabilities } from './scim-provider-capabilities.js';

/**
 * The most user creates dirsync puts in one `/Bulk` request, whatever the app allows: a bulk's operations wait for
 * its one answer, and a bulk whose answer is lost is resolved op by op (each looked up), so larger bulks gain
 * little and cost more when something goes wrong.
 */
export const MAX_BULK_OPERATIONS = 100;

/** How a change to an existing object is sent: PATCH, PUT of the whole object as read back, or not at all. */
export type ScimWriteForm = 'patch' | 'put' | 'none';

/** The writes whose form a dialect chooses. */
export type ScimDialectWrite = 'userUpdate' | 'memberAdd' | 'memberRemove' | 'groupRename';

/** The named presets of `target.dialect` (`SCIM_DIALECT`). */
export const SCIM_DIALECT_PRESETS = ['generic', 'dovetail'] as const;
export type ScimDialectPreset = (typeof SCIM_DIALECT_PRESETS)[number];

/**
 * What the operator may set in `target.dialect` (or `SCIM_DIALECT`), field by field. `filterAttributes` lists the
 * attributes the app accepts `eq` filters on (`[]`: none, every lookup pages through the list).
 */
export interface ScimDialectOverrides {
  readonly filterAttributes?: readonly ScimLookupAttribute[];
  readonly userUpdate?: 'patch' | 'put';
  readonly memberAdd?: ScimWriteForm;
  readonly memberRemove?: ScimWriteForm;
  readonly groupRename?: ScimWriteForm;
  readonly groupDelete?: boolean;
  readonly maxMembersPerRequest?: number;
  /** Whether a member is removed by the path `members[value eq "<id>"]` (true) or by a `value` array (false). */
  readonly memberRemoveByFilter?: boolean;
  /**
   * Whether group PATCHes and group lookups ask the app to leave `members` out of its answer
   * (`excludedAttributes=members`, RFC 7644 §3.9): a PATCH answer is otherwise the whole group, every member.
   */
  readonly excludeMembers?: boolean;
  /**
   * Whether user creates go in `/Bulk` requests (RFC 7644 §3.7) where `/ServiceProviderConfig` advertises it (true,
   * the default), or always one `POST /Users` each (false).
   */
  readonly bulk?: boolean;
}

/** A connection's `target.dialect`: a preset, then the operator's fields over it. */
export interface ScimDialectSetting {
  readonly preset: ScimDialectPreset;
  readonly overrides: ScimDialectOverrides;
}

/** What one app can do over SCIM, as dirsync uses it. */
export interface ScimDialect {
  /** The app as named in reasons: the preset's product name, else the host of the SCIM URL. */
  readonly appName: string;
  readonly filterAttributes: readonly ScimLookupAttribute[];
  readonly userUpdate: ScimWriteForm;
  readonly memberAdd: ScimWriteForm;
  readonly memberRemove: ScimWriteForm;
  readonly groupRename: ScimWriteForm;
  readonly groupDelete: boolean;
  readonly maxMembersPerRequest: number;
  readonly memberRemoveByFilter: boolean;
  readonly excludeMembers: boolean;
  /**
   * How user creates are batched in `/Bulk` requests: the operations per request (the app's `maxOperations`, at
   * most `MAX_BULK_OPERATIONS`) and its `maxPayloadSize`; null: one `POST /Users` per create.
   */
  readonly bulk: ScimBulkLimits | null;
  /** Where each write's form came from, to say why it is what it is (`the dovetail dialect`, …). */
  readonly because: Readonly<Record<ScimDialectWrite | 'groupDelete', string>>;
}

/** Forms the app refused during this process, each with the answer that taught it (see `learnRefusal`). */
export interface ScimDialectLessons {
  readonly forms?: Readonly<
    Partial<Record<ScimDialectWrite, { readonly form: ScimWriteForm; readonly because: string }>>
  >;
  readonly memberRemoveByFilter?: false;
  /** It refused `excludedAttributes` (see `requestWithoutMembers`). */
  readonly excludeMembers?: false;
  /** It refused `/Bulk` (false), or a bulk of more operations than this (413: its advertised limit is too high). */
  readonly bulk?: false | { readonly maxOperations: number };
}

export interface ScimDialectSources {
  readonly setting: ScimDialectSetting;
  /** What `/ServiceProviderConfig` said (the defaults when the app has none). */
  readonly capabilities: ScimCapabilities;
  readonly lessons: ScimDialectLessons;
  /** `SCIM_MAX_MEMBERS_PER_PATCH`, the default of `maxMembersPerRequest`. */
  readonly maxMembersPerPatch: number;
  /** The SCIM base URL, to name an app that has no preset. */
  readonly displayUrl: string;
}

const ALL_FILTERS: readonly ScimLookupAttribute[] = ['userName', 'externalId', 'displayName'];

type PresetValues = Omit<ScimDialect, 'appName' | 'maxMembersPerRequest' | 'because' | 'bulk'> & {
  readonly name: string;
  /** Whether `/Bulk` is used where the app advertises it. */
  readonly bulk: boolean;
};

/**
 * The built-in dialects. `generic`: RFC 7644 as most apps implement it. `dovetail`: Dovetail's SCIM API as its
 * help centre documents it — filters on `userName`/`displayName` only, group PATCH that only adds members by id,
 * no group rename, member removal or group delete.
 */
const PRESETS: Readonly<Record<ScimDialectPreset, PresetValues | null>> = {
  generic: null,
  dovetail: {
    name: 'Dovetail',
    filterAttributes: ['userName', 'displayName'],
    userUpdate: 'patch',
    memberAdd: 'patch',
    memberRemove: 'none',
    groupRename: 'none',
    groupDelete: false,
    memberRemoveByFilter: false,
    // Not in Dovetail's documentation either way: asked, and dropped if refused.
    excludeMembers: true,
    // Dovetail documents no /Bulk; should its /ServiceProviderConfig ever advertise one, it is used.
    bulk: true,
  },
};

const GENERIC: Omit<PresetValues, 'name'> = {
  filterAttributes: ALL_FILTERS,
  userUpdate: 'patch',
  memberAdd: 'patch',
  memberRemove: 'patch',
  groupRename: 'patch',
  groupDelete: true,
  memberRemoveByFilter: true,
  excludeMembers: true,
  bulk: true,
};

const WRITES: readonly ScimDialectWrite[] = ['userUpdate', 'memberAdd', 'memberRemove', 'groupRename'];

/**
 * The dialect in force, from four sources, each over the one before: the built-in defaults (or the preset), what
 * `/ServiceProviderConfig` says (no PATCH, no filter), the operator's `target.dialect` fields (they know their
 * app), and what the app's answers taught during this process (a refused form, a refused filter).
 */
export function resolveScimDialect(sources: ScimDialectSources): ScimDialect {
  const { setting, capabilities, lessons } = sources;
  const preset = PRESETS[setting.preset];
  const base = preset ?? GENERIC;
  const presetBecause = preset === null ? 'the generic dialect' : `the ${setting.preset} dialect`;
  const forms = {} as Record<ScimDialectWrite, ScimWriteForm>;
  const because = {} as Record<ScimDialectWrite | 'groupDelete', string>;
  for (const write of WRITES) {
    let form: ScimWriteForm = base[write];
    let why = form === 'none' ? presetBecause : `${presetBecause} (${form.toUpperCase()})`;
    if (!capabilities.patchSupported && form === 'patch') {
      form = 'none';
      why = 'its /ServiceProviderConfig says it does not support PATCH: patch.supported is false';
    }
    const override = setting.overrides[write];
    if (override !== undefined) {
      form = override;
      why = `target.dialect.${write} is ${override}`;
    }
    const lesson = lessons.forms?.[write];
    if (lesson !== undefined) {
      form = lesson.form;
      why = lesson.because;
    }
    forms[write] = form;
    because[write] = why;
  }
  const groupDelete = setting.overrides.groupDelete ?? base.groupDelete;
  because.groupDelete =
    setting.overrides.groupDelete === undefined
      ? presetBecause
      : `target.dialect.groupDelete is ${String(groupDelete)}`;
  // A filter the app refuses is remembered by the lookup itself, per endpoint (see `scim-lookup.ts`).
  const filterAttributes =
    setting.overrides.filterAttributes ?? (capabilities.filterSupported ? base.filterAttributes : []);
  return {
    appName: preset?.name ?? hostOf(sources.displayUrl),
    filterAttributes,
    ...forms,
    groupDelete,
    maxMembersPerRequest: setting.overrides.maxMembersPerRequest ?? sources.maxMembersPerPatch,
    memberRemoveByFilter:
      lessons.memberRemoveByFilter ?? setting.overrides.memberRemoveByFilter ?? base.memberRemoveByFilter,
    excludeMembers: lessons.excludeMembers ?? setting.overrides.excludeMembers ?? base.excludeMembers,
    bulk: bulkOf(capabilities.bulk, setting.overrides.bulk ?? base.bulk, lessons.bulk),
    because,
  };
}

/** The `/Bulk` limits in force: the app's, within `MAX_BULK_OPERATIONS` and what its refusals taught. */
function bulkOf(
  advertised: ScimBulkLimits | null,
  wanted: boolean,
  lesson: ScimDialectLessons['bulk'],
): ScimBulkLimits | null {
  if (advertised === null || !wanted || lesson === false) return null;
  const taught = lesson?.maxOperations ?? Infinity;
  const maxOperations = Math.min(advertised.maxOperations, MAX_BULK_OPERATIONS, taught);
  return maxOperations >= 2 ? { maxOperations, maxPayloadSize: advertised.maxPayloadSize } : null;
}

/**
 * What the app's refusal of a form teaches (a 400 `invalidPath`/`invalidSyntax` or a 501 to it): the next form to
 * try — a member removal by filter path → by `value` array → by PUT of the member list; PATCH → PUT — or `none`
 * when nothing is left. PUT is tried only where the operator did not choose the form themselves: their choice is
 * the one form they vouch for. Returns the lessons with this one added.
 */
export function learnRefusal(
  dialect: ScimDialect,
  setting: ScimDialectSetting,
  lessons: ScimDialectLessons,
  write: ScimDialectWrite,
  answer: string,
): ScimDialectLessons {
  const form = dialect[write];
  if (write === 'memberRemove' && form === 'patch' && dialect.memberRemoveByFilter) {
    return { ...lessons, memberRemoveByFilter: false };
  }
  const pinned = setting.overrides[write] !== undefined;
  const next: ScimWriteForm = form === 'patch' && !pinned ? 'put' : 'none';
  const because = `it refused ${form === 'patch' ? 'a PATCH' : form === 'put' ? 'a PUT' : 'the request'}: ${answer}`;
  return { ...lessons, forms: { ...lessons.forms, [write]: { form: next, because } } };
}

/** The write an op needs, or null for ops a dialect does not restrict (creates, invites). */
export function dialectWriteOf(kind: OpKind): ScimDialectWrite | 'groupDelete' | null {
  switch (kind) {
    case 'user.update':
    case 'user.reactivate':
    case 'user.deactivate':
      return 'userUpdate';
    case 'group.rename':
      return 'groupRename';
    case 'members.add':
      return 'memberAdd';
    case 'members.remove':
      return 'memberRemove';
    case 'group.delete':
      return 'groupDelete';
    case 'user.create':
    case 'group.create':
    case 'invite.send':
      return null;
  }
}

const WHAT: Readonly<Record<ScimDialectWrite | 'groupDelete', string>> = {
  userUpdate: 'update users',
  memberAdd: 'add group members',
  memberRemove: 'remove group members',
  groupRename: 'rename groups',
  groupDelete: 'delete groups',
};

/**
 * Why an app with this dialect cannot perform an op of this kind, or null when it can (DESIGN "Unsupported ops").
 * Worded to follow "… must be made by hand: ", e.g. "Dovetail does not remove group members over SCIM (the
 * dovetail dialect)".
 */
export function unsupportedReason(kind: OpKind, dialect: ScimDialect): string | null {
  const write = dialectWriteOf(kind);
  if (write === null) return null;
  const can = write === 'groupDelete' ? dialect.groupDelete : dialect[write] !== 'none';
  return can ? null : `${dialect.appName} does not ${WHAT[write]} over SCIM (${dialect.because[write]})`;
}

function hostOf(displayUrl: string): string {
  try {
    return new URL(displayUrl).host;
  } catch {
    return displayUrl;
  }
}
