import { z } from 'zod';
import { ConnectorError } from '../connectors/connector-error.js';
import { parseGraphConfig, type GraphConfig } from '../connectors/graph/graph-config.js';
import { parseOktaConfig, type OktaConfig } from '../connectors/okta/okta-config.js';
import { DEFAULT_DEACTIVATION_LIMIT, type DeactivationLimit } from './core/planner/guards.js';

/** A configuration problem the operator must fix; exit code 2. The message lists every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

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

const positiveInt = (fallback: number) =>
  optionalText
    .refine((value) => value === undefined || /^[1-9]\d*$/.test(value), { message: 'must be a positive whole number' })
    .transform((value) => (value === undefined ? fallback : Number(value)));

const envSchema = z.object({
  DATABASE_URL: optionalText.transform((value) => value ?? 'sqlite:./dirsync.db'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').transform((v) => v ?? 'redis://127.0.0.1:6379'),
  DIRSYNC_IDP: z.enum(['okta', 'graph', 'sandbox']).optional(),
  DIRSYNC_CONNECTION_ID: optionalText
    .refine((value) => value === undefined || /^[A-Za-z0-9._-]{1,64}$/.test(value), {
      message: 'must be 1-64 letters, digits, dots, dashes or underscores',
    })
    .transform((value) => value ?? 'default'),
  DIRSYNC_SANDBOX_FILE: optionalText,
  OKTA_CLIENT_ORGURL: url(['https:', 'http:'], 'https://example.okta.com'),
  AZURE_TENANT_ID: optionalText,
  APP_SCIM_URL: url(['https:', 'http:'], 'https://app.example.com/scim/v2'),
  APP_SCIM_TOKEN: optionalText,
  APP_JSONL_PATH: optionalText,
  SMTP_URL: url(['smtp:', 'smtps:'], 'smtp://user:pass@smtp.example.com:587'),
  INVITE_FROM: optionalText,
  INVITE_MODE: z.enum(['auto', 'off']).default('auto'),
  APP_NAME: optionalText,
  APP_LOGIN_URL: url(['https:', 'http:'], 'https://app.example.com/login'),
  DIRSYNC_MAX_DEACTIVATIONS: optionalText.refine((value) => value === undefined || /^(\d+|\d+(\.\d+)?%)$/.test(value), {
    message: 'must be a count like 50 or a share like 25%',
  }),
  SCIM_MAX_MEMBERS_PER_PATCH: positiveInt(100),
  SYNC_INTERVAL: optionalText,
  METRICS_PORT: optionalText.refine((value) => value === undefined || /^\d{1,5}$/.test(value), {
    message: 'must be a port number',
  }),
  DIRSYNC_JOB_LOCK_MS: positiveInt(30_000),
  DIRSYNC_RETRY_DELAY_MS: positiveInt(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type TargetConfig =
  | { readonly kind: 'scim'; readonly url: string; readonly token: string; readonly maxMembersPerPatch: number }
  | { readonly kind: 'jsonl'; readonly path: string };

export type InviteConfig =
  | { readonly mode: 'off'; readonly reason: string }
  | {
      readonly mode: 'smtp';
      readonly smtpUrl: string;
      readonly from: string;
      readonly appName: string | undefined;
      readonly appLoginUrl: string | undefined;
    };

/** The identity provider and its settings (each connector parses its SDK's own variable names). */
export type IdpConfig =
  | { readonly kind: 'sandbox'; readonly file: string | undefined }
  | { readonly kind: 'okta'; readonly okta: OktaConfig }
  | { readonly kind: 'graph'; readonly graph: GraphConfig };

export interface Config {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly connectionId: string;
  readonly idp: IdpConfig;
  readonly target: TargetConfig;
  readonly invites: InviteConfig;
  readonly deactivationLimit: DeactivationLimit;
  readonly logLevel: string;
  /** `SYNC_INTERVAL` as written (parsed by the worker): a duration or a cron pattern. */
  readonly syncInterval: string;
  readonly metricsPort: number | null;
  /** How long a worker's hold on a job lasts without renewal: a killed worker's run is taken over after it. */
  readonly jobLockMs: number;
  /** First backoff of a failed run's retry (BullMQ exponential backoff). */
  readonly retryDelayMs: number;
}

/** Parses the environment once into a frozen config; every bad variable is named in one error. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const problems: string[] = [];

  const idp = e.DIRSYNC_IDP ?? (e.OKTA_CLIENT_ORGURL ? 'okta' : e.AZURE_TENANT_ID ? 'graph' : 'sandbox');

  let target: TargetConfig;
  if (e.APP_SCIM_URL !== undefined) {
    if (e.APP_SCIM_TOKEN === undefined) problems.push('APP_SCIM_TOKEN is required when APP_SCIM_URL is set');
    target = {
      kind: 'scim',
      url: e.APP_SCIM_URL,
      token: e.APP_SCIM_TOKEN ?? '',
      maxMembersPerPatch: e.SCIM_MAX_MEMBERS_PER_PATCH,
    };
  } else {
    target = { kind: 'jsonl', path: e.APP_JSONL_PATH ?? './changes.jsonl' };
  }

  let invites: InviteConfig;
  if (e.INVITE_MODE === 'off') invites = { mode: 'off', reason: 'INVITE_MODE=off' };
  else if (e.SMTP_URL === undefined) invites = { mode: 'off', reason: 'SMTP_URL is not set' };
  else {
    if (e.INVITE_FROM === undefined)
      problems.push('INVITE_FROM is required when SMTP_URL is set (e.g. "Acme <it@acme.com>")');
    invites = {
      mode: 'smtp',
      smtpUrl: e.SMTP_URL,
      from: e.INVITE_FROM ?? '',
      appName: e.APP_NAME,
      appLoginUrl: e.APP_LOGIN_URL,
    };
  }

  let idpConfig: IdpConfig = { kind: 'sandbox', file: e.DIRSYNC_SANDBOX_FILE };
  try {
    if (idp === 'okta') idpConfig = { kind: 'okta', okta: parseOktaConfig(env) };
    if (idp === 'graph') idpConfig = { kind: 'graph', graph: parseGraphConfig(env) };
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    problems.push(error.message);
  }

  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    connectionId: e.DIRSYNC_CONNECTION_ID,
    idp: idpConfig,
    target,
    invites,
    deactivationLimit: parseDeactivationLimit(e.DIRSYNC_MAX_DEACTIVATIONS),
    logLevel: e.LOG_LEVEL,
    syncInterval: e.SYNC_INTERVAL ?? '15m',
    metricsPort: e.METRICS_PORT === undefined ? null : Number(e.METRICS_PORT),
    jobLockMs: e.DIRSYNC_JOB_LOCK_MS,
    retryDelayMs: e.DIRSYNC_RETRY_DELAY_MS,
  });
}

function parseDeactivationLimit(value: string | undefined): DeactivationLimit {
  if (value === undefined) return DEFAULT_DEACTIVATION_LIMIT;
  return value.endsWith('%')
    ? { kind: 'share', percent: Number(value.slice(0, -1)) }
    : { kind: 'count', count: Number(value) };
}
