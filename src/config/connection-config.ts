import { parseInviteLifecycle, type InviteLifecycleConfig } from './invite-lifecycle-config.js';
import { z } from 'zod';
import { ConnectorError } from '../../connectors/connector-error.js';
import { parseGraphConfig, type GraphConfig } from '../../connectors/graph/graph-config.js';
import { parseOktaConfig, type OktaConfig } from '../../connectors/okta/okta-config.js';
import { DEFAULT_MAX_OP_ATTEMPTS } from '../core/op-retry-policy.js';
import { DEFAULT_GUARD_LIMITS, type GuardLimit, type GuardLimits } from '../core/planner/guards.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy/policy.js';
import { DEFAULT_MAX_SOURCE_DROP } from '../core/source-anomaly.js';
import { InviteTemplateError } from '../invites/invite-template-error.js';
import { loadInviteTemplates } from '../invites/invite-templates.js';
import { parseMailAddress } from '../invites/mail-address.js';
import { loadPolicyFile, PolicyProblems } from './policy-document.js';
import { parseSyncSchedule, ScheduleError, type SyncSchedule } from './sync-schedule.js';

/** `[a-z0-9][a-z0-9._-]{0,63}` (DESIGN "Connections"): safe in queue names, file names and URLs. */
export const CONNECTION_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export type TargetConfig =
  | {
      readonly kind: 'scim';
      readonly url: string;
      readonly token: string;
      readonly maxMembersPerPatch: number;
      /** `SCIM_DIALECT` / `target.dialect`: the target's `ScimDialectSetting` (see `scim-dialect.ts`); absent: generic. */
      readonly dialect?: ScimDialectConfig;
    }
  | { readonly kind: 'jsonl'; readonly path: string };

/**
 * What the app's SCIM can do, as the operator wrote it: a preset (`generic`, `dovetail`) and fields over it. The
 * same shape as the SCIM target's `ScimDialectSetting` (the composition root hands one to the other, so the
 * compiler holds them together); validated here, at load, like every other field.
 */
export interface ScimDialectConfig {
  readonly preset: 'generic' | 'dovetail';
  readonly overrides: {
    readonly filterAttributes?: readonly ('userName' | 'externalId' | 'displayName')[];
    readonly userUpdate?: 'patch' | 'put';
    readonly memberAdd?: 'patch' | 'put' | 'none';
    readonly memberRemove?: 'patch' | 'put' | 'none';
    readonly groupRename?: 'patch' | 'put' | 'none';
    readonly groupDelete?: boolean;
    readonly maxMembersPerRequest?: number;
    readonly memberRemoveByFilter?: boolean;
    readonly excludeMembers?: boolean;
    readonly bulk?: boolean;
  };
}

export type InviteConfig =
  | { readonly mode: 'off'; readonly reason: string }
  | {
      readonly mode: 'smtp';
      readonly smtpUrl: string;
      readonly from: string;
      readonly appName: string | undefined;
      readonly appLoginUrl: string | undefined;
      /** `INVITE_TEMPLATE_DIR` / `invites.templateDir`: subject, text and HTML templates; absent: the bundled ones. */
      readonly templateDir?: string;
    };

/** The identity provider and its settings (each connector parses its SDK's own variable names). */
export type IdpConfig =
  | { readonly kind: 'sandbox'; readonly file: string | undefined }
  | { readonly kind: 'okta'; readonly okta: OktaConfig }
  | { readonly kind: 'graph'; readonly graph: GraphConfig };

/**
 * One connection: an IdP tenant synced into one app workspace. Holds secrets (tokens, SMTP password): never log
 * it or print it; `describeConnection` gives what may be shown.
 */
export interface ConnectionConfig {
  readonly id: string;
  readonly idp: IdpConfig;
  readonly target: TargetConfig;
  readonly invites: InviteConfig;
  /** Quiet first sync, reminders, send rate, resend cooldown (they hold whether invites are on or off). */
  readonly inviteLifecycle: InviteLifecycleConfig;
  readonly schedule: SyncSchedule;
  /** `DIRSYNC_MAX_DEACTIVATIONS`, `DIRSYNC_MAX_GROUP_DELETES`, `DIRSYNC_MAX_MEMBER_REMOVALS`. */
  readonly guards: GuardLimits;
  /** `DIRSYNC_MAX_SOURCE_DROP` (default `30%`). */
  readonly maxSourceDrop: GuardLimit;
  /** `DIRSYNC_MAX_OP_ATTEMPTS` (default 5): the failure that parks an op until its subject changes or `retry`. */
  readonly maxOpAttempts: number;
  /** `DIRSYNC_APPLY_CONCURRENCY` (default 4): writes to the app in flight at once, within one phase of a plan. */
  readonly applyConcurrency: number;
  /** Scope, mapping, roles and links (DESIGN "Policy"): inline, `policy.file`, or `DIRSYNC_POLICY_FILE`. */
  readonly policy: Policy;
  /** Where it was defined: `environment` or the connections file's path. */
  readonly origin: string;
}

/**
 * The settings of one connection keyed by the environment's variable names (`OKTA_CLIENT_ORGURL`,
 * `APP_SCIM_URL`, …): the environment connection passes the environment itself, the connections file maps each
 * entry's fields onto these names, so both are validated by the same code.
 */
export type ConnectionSettings = Readonly<Record<string, string | undefined>>;

const optionalText = z
  .string()
  .optional()
  .transform((value) => {
    const trimmed = value?.trim();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  });

const url = (protocols: readonly string[], example: string) =>
  optionalText.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );

// A guard's setting: a count (`50`) or a share (`25%`); a share above 100% would guard nothing.
function guardLimitText(example: string) {
  return optionalText.refine(
    (value) =>
      value === undefined || /^\d+$/.test(value) || (/^\d+(\.\d+)?%$/.test(value) && Number(value.slice(0, -1)) <= 100),
    { message: `must be a count like 50 or a share up to 100% like ${example}` },
  );
}

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(', ')}` });
// `${NAME}` substitution makes strings of what YAML would have typed: "true" and "50" are taken too.
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')], {
  error: 'expected true or false',
});
const FORMS = ['patch', 'put', 'none'] as const;
const dialectSchema = z.strictObject({
  preset: oneOf(['generic', 'dovetail']).optional(),
  filterAttributes: z.array(oneOf(['userName', 'externalId', 'displayName'])).optional(),
  userUpdate: oneOf(['patch', 'put']).optional(),
  memberAdd: oneOf(FORMS).optional(),
  memberRemove: oneOf(FORMS).optional(),
  groupRename: oneOf(FORMS).optional(),
  groupDelete: flag.optional(),
  maxMembersPerRequest: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: 'expected a whole number >= 1' })
    .pipe(z.number({ error: 'expected a whole number >= 1' }).int().min(1).max(100_000))
    .optional(),
  memberRemoveByFilter: flag.optional(),
  excludeMembers: flag.optional(),
  bulk: flag.optional(),
});

/**
 * `SCIM_DIALECT` / `target.dialect`: a preset name (`dovetail`), or an object of fields (JSON in the variable)
 * with an optional `preset`. Problems are named by field: `target.dialect.memberRemove: expected one of …`.
 */
function parseScimDialect(text: string | undefined, field: string, problems: string[]): ScimDialectConfig {
  const generic: ScimDialectConfig = { preset: 'generic', overrides: {} };
  if (text === undefined) return generic;
  let raw: unknown = text;
  if (text.startsWith('{')) {
    try {
      raw = JSON.parse(text);
    } catch {
      problems.push(`${field} is neither a preset (generic, dovetail) nor a JSON object of dialect fields`);
      return generic;
    }
  }
  const parsed = dialectSchema.safeParse(typeof raw === 'string' ? { preset: raw } : raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path.length === 0 || typeof raw === 'string' ? '' : `.${issue.path.join('.')}`;
      const what =
        issue.code === 'unrecognized_keys'
          ? `unknown field(s) ${issue.keys.join(', ')} (known: ${Object.keys(dialectSchema.shape).join(', ')})`
          : issue.message;
      problems.push(`${field}${where}: ${what}`);
    }
    return generic;
  }
  const { preset, ...fields } = parsed.data;
  const overrides = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { preset: preset ?? 'generic', overrides };
}

/** Writes to the app in flight at once: enough to hide a round trip, few enough for a small app. */
export const DEFAULT_APPLY_CONCURRENCY = 4;

const settingsSchema = z.object({
  DIRSYNC_IDP: optionalText.pipe(z.enum(['okta', 'graph', 'sandbox']).optional()),
  DIRSYNC_SANDBOX_FILE: optionalText,
  OKTA_CLIENT_ORGURL: optionalText,
  AZURE_TENANT_ID: optionalText,
  APP_SCIM_URL: url(['https:', 'http:'], 'https://app.example.com/scim/v2'),
  APP_SCIM_TOKEN: optionalText,
  APP_JSONL_PATH: optionalText,
  SCIM_DIALECT: optionalText,
  SCIM_MAX_MEMBERS_PER_PATCH: optionalText
    .refine((value) => value === undefined || /^[1-9]\d{0,5}$/.test(value), {
      message: 'must be a positive whole number',
    })
    .transform((value) => (value === undefined ? 100 : Number(value))),
  SMTP_URL: url(['smtp:', 'smtps:'], 'smtp://user:pass@smtp.example.com:587'),
  INVITE_FROM: optionalText,
  INVITE_MODE: optionalText.pipe(z.enum(['auto', 'off']).optional()),
  APP_NAME: optionalText,
  APP_LOGIN_URL: url(['https:', 'http:'], 'https://app.example.com/login'),
  INVITE_TEMPLATE_DIR: optionalText,
  DIRSYNC_MAX_DEACTIVATIONS: guardLimitText('25%'),
  DIRSYNC_MAX_GROUP_DELETES: guardLimitText('25%'),
  DIRSYNC_MAX_MEMBER_REMOVALS: guardLimitText('50%'),
  DIRSYNC_MAX_SOURCE_DROP: guardLimitText('30%'),
  DIRSYNC_MAX_OP_ATTEMPTS: optionalText
    .refine((value) => value === undefined || /^[1-9]\d{0,5}$/.test(value), {
      message: 'must be a whole number of attempts, 1 or more (e.g. 5)',
    })
    .transform((value) => (value === undefined ? DEFAULT_MAX_OP_ATTEMPTS : Number(value))),
  SYNC_INTERVAL: optionalText,
  DIRSYNC_POLICY_FILE: optionalText,
  DIRSYNC_APPLY_CONCURRENCY: optionalText
    .refine((value) => value === undefined || /^([1-9]|[1-5]\d|6[0-4])$/.test(value), {
      message: 'must be a whole number from 1 to 64 (writes to the app in flight at once)',
    })
    .transform((value) => (value === undefined ? DEFAULT_APPLY_CONCURRENCY : Number(value))),
  INVITE_ON_FIRST_SYNC: optionalText,
  INVITE_REMIND_AFTER: optionalText,
  INVITE_MAX_REMINDERS: optionalText,
  INVITE_MAX_PER_MINUTE: optionalText,
  INVITE_RESEND_COOLDOWN: optionalText,
});

/**
 * Validates one connection's settings. Every problem is collected; `name` turns a variable name into what the
 * operator wrote (the variable itself, or `idp.token` in a connections file), so the error points at the line to
 * fix. Throws `ConnectionConfigProblems` with the list.
 */
export function parseConnectionSettings(
  id: string,
  settings: ConnectionSettings,
  options: {
    readonly origin: string;
    readonly name?: (variable: string) => string;
    /** The policy a connections file entry carries; without it, `DIRSYNC_POLICY_FILE` or the default. */
    readonly policy?: Policy;
  },
): ConnectionConfig {
  const name = options.name ?? ((variable: string) => variable);
  const rename = (text: string) => text.replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, (variable) => name(variable));
  const problems: string[] = [];
  if (!CONNECTION_ID.test(id)) {
    problems.push(
      `${name('DIRSYNC_CONNECTION_ID')} "${id}" must be 1-64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit`,
    );
  }
  // A bad value is reported and then dropped, so the checks that follow still run: one message lists everything.
  let parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    const rest = new Map(Object.entries(settings));
    for (const issue of parsed.error.issues) {
      problems.push(`${name(issue.path.join('.'))} ${issue.message}`);
      rest.delete(String(issue.path[0]));
    }
    parsed = settingsSchema.safeParse(Object.fromEntries(rest));
    if (!parsed.success) throw new ConnectionConfigProblems(problems);
  }
  const s = parsed.data;

  const idpKind = s.DIRSYNC_IDP ?? (s.OKTA_CLIENT_ORGURL ? 'okta' : s.AZURE_TENANT_ID ? 'graph' : 'sandbox');
  let idp: IdpConfig = { kind: 'sandbox', file: s.DIRSYNC_SANDBOX_FILE };
  try {
    if (idpKind === 'okta') idp = { kind: 'okta', okta: parseOktaConfig(settings) };
    if (idpKind === 'graph') idp = { kind: 'graph', graph: parseGraphConfig(settings) };
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    problems.push(rename(error.message));
  }

  let target: TargetConfig;
  if (s.APP_SCIM_URL !== undefined) {
    if (s.APP_SCIM_TOKEN === undefined) {
      problems.push(`${name('APP_SCIM_TOKEN')} is required with ${name('APP_SCIM_URL')} (the app's SCIM bearer token)`);
    }
    target = {
      kind: 'scim',
      url: s.APP_SCIM_URL,
      token: s.APP_SCIM_TOKEN ?? '',
      maxMembersPerPatch: s.SCIM_MAX_MEMBERS_PER_PATCH,
      dialect: parseScimDialect(s.SCIM_DIALECT, name('SCIM_DIALECT'), problems),
    };
  } else {
    target = { kind: 'jsonl', path: s.APP_JSONL_PATH ?? './changes.jsonl' };
  }

  // Loading the templates is their validation: a template that cannot render stops the start, not the first send.
  if (s.INVITE_TEMPLATE_DIR !== undefined) {
    try {
      loadInviteTemplates(s.INVITE_TEMPLATE_DIR);
    } catch (error) {
      if (!(error instanceof InviteTemplateError)) throw error;
      problems.push(`${name('INVITE_TEMPLATE_DIR')}: ${error.message}`);
    }
  }
  let invites: InviteConfig;
  if (s.INVITE_MODE === 'off') invites = { mode: 'off', reason: `${name('INVITE_MODE')}=off` };
  else if (s.SMTP_URL === undefined) invites = { mode: 'off', reason: `${name('SMTP_URL')} is not set` };
  else {
    if (s.INVITE_FROM === undefined) {
      problems.push(`${name('INVITE_FROM')} is required with ${name('SMTP_URL')} (e.g. "Acme IT <it@acme.com>")`);
    } else {
      try {
        parseMailAddress(s.INVITE_FROM);
      } catch (error) {
        problems.push(`${name('INVITE_FROM')}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    invites = {
      mode: 'smtp',
      smtpUrl: s.SMTP_URL,
      from: s.INVITE_FROM ?? '',
      appName: s.APP_NAME,
      appLoginUrl: s.APP_LOGIN_URL,
      ...(s.INVITE_TEMPLATE_DIR === undefined ? {} : { templateDir: s.INVITE_TEMPLATE_DIR }),
    };
  }

  const inviteLifecycle = parseInviteLifecycle(s, name, problems);

  let schedule: SyncSchedule = { every: 900_000 };
  try {
    schedule = parseSyncSchedule(s.SYNC_INTERVAL, name('SYNC_INTERVAL'));
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    problems.push(error.message);
  }

  let policy = options.policy ?? DEFAULT_POLICY;
  if (options.policy === undefined && s.DIRSYNC_POLICY_FILE !== undefined) {
    try {
      policy = loadPolicyFile(s.DIRSYNC_POLICY_FILE);
    } catch (error) {
      if (!(error instanceof PolicyProblems)) throw error;
      problems.push(...error.problems.map((problem) => `${name('DIRSYNC_POLICY_FILE')}: ${problem}`));
    }
  }

  if (problems.length > 0) throw new ConnectionConfigProblems(problems);
  return Object.freeze({
    id,
    idp,
    target,
    invites,
    schedule,
    guards: {
      deactivations: parseGuardLimit(s.DIRSYNC_MAX_DEACTIVATIONS, DEFAULT_GUARD_LIMITS.deactivations),
      groupDeletes: parseGuardLimit(s.DIRSYNC_MAX_GROUP_DELETES, DEFAULT_GUARD_LIMITS.groupDeletes),
      memberRemovals: parseGuardLimit(s.DIRSYNC_MAX_MEMBER_REMOVALS, DEFAULT_GUARD_LIMITS.memberRemovals),
    },
    maxSourceDrop: parseGuardLimit(s.DIRSYNC_MAX_SOURCE_DROP, DEFAULT_MAX_SOURCE_DROP),
    maxOpAttempts: s.DIRSYNC_MAX_OP_ATTEMPTS,
    applyConcurrency: s.DIRSYNC_APPLY_CONCURRENCY,
    inviteLifecycle,
    policy,
    origin: options.origin,
  });
}

/** What a connection's settings got wrong, one line each (collected, so the operator fixes them in one go). */
export class ConnectionConfigProblems extends Error {
  override readonly name = 'ConnectionConfigProblems';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

function parseGuardLimit(value: string | undefined, fallback: GuardLimit): GuardLimit {
  if (value === undefined) return fallback;
  return value.endsWith('%')
    ? { kind: 'share', percent: Number(value.slice(0, -1)) }
    : { kind: 'count', count: Number(value) };
}
