import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { ConnectionConfigProblems, parseConnectionSettings, type ConnectionConfig } from './connection-config.js';
import { loadPolicy, PolicyProblems } from './policy-document.js';

// The YAML library (~50 ms of a start) is loaded when a file is parsed: most starts have no file to parse.
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof YamlModule).parse(text);
}

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const path = scalar;

// Each group's fields, and the environment variable each one stands for: one validation for both sources.
const OKTA_FIELDS = {
  orgUrl: 'OKTA_CLIENT_ORGURL',
  token: 'OKTA_CLIENT_TOKEN',
  authorizationMode: 'OKTA_CLIENT_AUTHORIZATIONMODE',
  clientId: 'OKTA_CLIENT_CLIENTID',
  scopes: 'OKTA_CLIENT_SCOPES',
  privateKey: 'OKTA_CLIENT_PRIVATEKEY',
  keyId: 'OKTA_CLIENT_KEYID',
  appId: 'OKTA_APP_ID',
  fullSyncInterval: 'OKTA_FULL_SYNC_INTERVAL',
} as const;
const GRAPH_FIELDS = {
  tenantId: 'AZURE_TENANT_ID',
  clientId: 'AZURE_CLIENT_ID',
  clientSecret: 'AZURE_CLIENT_SECRET',
  certificatePath: 'AZURE_CLIENT_CERTIFICATE_PATH',
  authorityHost: 'AZURE_AUTHORITY_HOST',
  graphBaseUrl: 'GRAPH_BASE_URL',
  servicePrincipalId: 'GRAPH_SERVICE_PRINCIPAL_ID',
} as const;
const SANDBOX_FIELDS = { file: 'DIRSYNC_SANDBOX_FILE' } as const;
const SCIM_FIELDS = {
  url: 'APP_SCIM_URL',
  token: 'APP_SCIM_TOKEN',
  maxMembersPerPatch: 'SCIM_MAX_MEMBERS_PER_PATCH',
  concurrency: 'DIRSYNC_APPLY_CONCURRENCY',
} as const;
const JSONL_FIELDS = { path: 'APP_JSONL_PATH' } as const;
const INVITE_FIELDS = {
  smtpUrl: 'SMTP_URL',
  from: 'INVITE_FROM',
  mode: 'INVITE_MODE',
  appName: 'APP_NAME',
  loginUrl: 'APP_LOGIN_URL',
  templateDir: 'INVITE_TEMPLATE_DIR',
  onFirstSync: 'INVITE_ON_FIRST_SYNC',
  remindAfter: 'INVITE_REMIND_AFTER',
  maxReminders: 'INVITE_MAX_REMINDERS',
  maxPerMinute: 'INVITE_MAX_PER_MINUTE',
  resendCooldown: 'INVITE_RESEND_COOLDOWN',
} as const;
const GUARD_FIELDS = {
  maxDeactivations: 'DIRSYNC_MAX_DEACTIVATIONS',
  maxGroupDeletes: 'DIRSYNC_MAX_GROUP_DELETES',
  maxMemberRemovals: 'DIRSYNC_MAX_MEMBER_REMOVALS',
  maxSourceDrop: 'DIRSYNC_MAX_SOURCE_DROP',
  maxOpAttempts: 'DIRSYNC_MAX_OP_ATTEMPTS',
} as const;

/** Settings a file connection takes from the environment when its own field is absent (defaults, not secrets). */
const INHERITED = [
  'SYNC_INTERVAL',
  'DIRSYNC_MAX_DEACTIVATIONS',
  'DIRSYNC_MAX_GROUP_DELETES',
  'DIRSYNC_MAX_MEMBER_REMOVALS',
  'DIRSYNC_MAX_SOURCE_DROP',
  'DIRSYNC_MAX_OP_ATTEMPTS',
  'SCIM_MAX_MEMBERS_PER_PATCH',
  'DIRSYNC_APPLY_CONCURRENCY',
  'OKTA_FULL_SYNC_INTERVAL',
  'INVITE_REMIND_AFTER',
  'INVITE_MAX_REMINDERS',
  'INVITE_MAX_PER_MINUTE',
  'INVITE_RESEND_COOLDOWN',
];
/** Fields holding a path: relative ones are relative to the connections file. */
const PATH_FIELDS = new Set([
  'DIRSYNC_SANDBOX_FILE',
  'APP_JSONL_PATH',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'INVITE_TEMPLATE_DIR',
]);

function fieldsOf<F extends Readonly<Record<string, string>>>(fields: F) {
  const shape = {} as { [K in keyof F]: z.ZodOptional<typeof scalar> };
  for (const key of Object.keys(fields) as (keyof F)[]) shape[key] = scalar.optional();
  return z.strictObject(shape);
}

const idpSchema = z.discriminatedUnion('type', [
  fieldsOf(OKTA_FIELDS).extend({
    type: z.literal('okta'),
    scopes: z.union([scalar, z.array(z.string()).transform((scopes) => scopes.join(' '))]).optional(),
  }),
  fieldsOf(GRAPH_FIELDS).extend({ type: z.literal('graph') }),
  fieldsOf(SANDBOX_FIELDS).extend({ type: z.literal('sandbox'), file: path.optional() }),
]);
const targetSchema = z.discriminatedUnion('type', [
  fieldsOf(SCIM_FIELDS).extend({
    type: z.literal('scim'),
    // A preset name or an object of fields, checked field by field as SCIM_DIALECT is (connection-config.ts).
    dialect: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  }),
  fieldsOf(JSONL_FIELDS).extend({ type: z.literal('jsonl') }),
]);

const entrySchema = z.strictObject({
  id: z.string(),
  description: z.string().optional(),
  idp: idpSchema,
  target: targetSchema.optional(),
  invites: fieldsOf(INVITE_FIELDS).optional(),
  schedule: scalar.optional(),
  guards: fieldsOf(GUARD_FIELDS).optional(),
  // The policy document (scope, mapping, roles), inline or `{ file }`: validated by its own parser (loadPolicy).
  policy: z.unknown().optional(),
});

const fileSchema = z.strictObject({ connections: z.array(z.unknown()) });

/**
 * Reads a connections file (`DIRSYNC_CONNECTIONS_FILE`, YAML or JSON): every entry validated like the environment
 * connection, `${NAME}` replaced by the environment variable `NAME` (secrets stay in the environment). Every
 * problem is named with its connection and field, all in one `ConfigError`.
 */
export function loadConnectionsFile(file: string, env: NodeJS.ProcessEnv): ConnectionConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new ConfigError(`DIRSYNC_CONNECTIONS_FILE ${file} cannot be read (${code})`);
  }
  let raw: unknown;
  try {
    raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`DIRSYNC_CONNECTIONS_FILE ${file} is not valid YAML or JSON: ${reason ?? ''}`);
  }
  const top = fileSchema.safeParse(raw);
  if (!top.success) {
    throw new ConfigError(
      `DIRSYNC_CONNECTIONS_FILE ${file} must hold { "connections": [ ... ] } (${top.error.issues.map((i) => `${i.path.join('.') || 'top level'}: ${i.message}`).join('; ')})`,
    );
  }
  const base = dirname(resolve(file));
  const problems: string[] = [];
  const connections: ConnectionConfig[] = [];
  const seen = new Set<string>();
  top.data.connections.forEach((rawEntry, index) => {
    const label = labelOf(rawEntry, index);
    const missing: string[] = [];
    const substituted = substitute(rawEntry, '', env, missing);
    for (const field of missing) problems.push(`connection ${label}: ${field}`);
    const entry = entrySchema.safeParse(substituted);
    if (!entry.success) {
      for (const issue of entry.error.issues) {
        const where = issue.path.join('.');
        const what = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
        problems.push(`connection ${label}: ${where === '' ? '' : `${where}: `}${what}`);
      }
      return;
    }
    if (missing.length > 0) return;
    const e = entry.data;
    if (seen.has(e.id)) {
      problems.push(`connection ${e.id}: the id is used twice in ${file}`);
      return;
    }
    seen.add(e.id);
    const settings: Record<string, string | undefined> = {};
    const names = new Map<string, string>();
    const put = (
      group: string,
      fields: Readonly<Record<string, string>>,
      values: Readonly<Record<string, unknown>>,
    ) => {
      for (const [field, variable] of Object.entries(fields)) {
        names.set(variable, `${group}.${field}`);
        const value = values[field];
        if (typeof value !== 'string') continue;
        settings[variable] = PATH_FIELDS.has(variable) && !isAbsolute(value) ? resolve(base, value) : value;
      }
    };
    for (const variable of INHERITED) settings[variable] = env[variable];
    settings['DIRSYNC_IDP'] = e.idp.type;
    names.set('DIRSYNC_IDP', 'idp.type');
    if (e.idp.type === 'okta') put('idp', OKTA_FIELDS, e.idp);
    if (e.idp.type === 'graph') put('idp', GRAPH_FIELDS, e.idp);
    if (e.idp.type === 'sandbox') put('idp', SANDBOX_FIELDS, e.idp);
    if (e.target?.type === 'scim') {
      put('target', SCIM_FIELDS, e.target);
      const { dialect } = e.target;
      names.set('SCIM_DIALECT', 'target.dialect');
      if (dialect !== undefined)
        settings['SCIM_DIALECT'] = typeof dialect === 'string' ? dialect : JSON.stringify(dialect);
    }
    if (e.target?.type === 'jsonl') put('target', JSONL_FIELDS, e.target);
    put('invites', INVITE_FIELDS, e.invites ?? {});
    put('guards', GUARD_FIELDS, e.guards ?? {});
    if (e.schedule !== undefined) settings['SYNC_INTERVAL'] = e.schedule;
    names.set('SYNC_INTERVAL', e.schedule === undefined ? 'SYNC_INTERVAL' : 'schedule');
    names.set('DIRSYNC_CONNECTION_ID', 'id');
    if (e.target === undefined) settings['APP_JSONL_PATH'] = resolve(base, `${e.id}.changes.jsonl`);
    let policy;
    try {
      policy = loadPolicy(e.policy, base);
    } catch (error) {
      if (!(error instanceof PolicyProblems)) throw error;
      for (const problem of error.problems) problems.push(`connection ${e.id}: ${problem}`);
    }
    try {
      connections.push(
        parseConnectionSettings(e.id, settings, {
          origin: file,
          name: (variable) => names.get(variable) ?? variable,
          ...(policy === undefined ? {} : { policy }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConnectionConfigProblems)) throw error;
      for (const problem of error.problems) problems.push(`connection ${e.id}: ${problem}`);
    }
  });
  if (problems.length > 0) throw new ConfigError(`invalid connections file ${file}: ${problems.join('; ')}`);
  return connections;
}

function labelOf(entry: unknown, index: number): string {
  const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? id : `#${index + 1}`;
}

/** Replaces `${NAME}` in every string by the variable's value; records each missing one with its field. */
function substitute(value: unknown, path: string, env: NodeJS.ProcessEnv, missing: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, variable: string) => {
      const found = env[variable];
      if (found === undefined || found === '') {
        missing.push(`${path}: \${${variable}} is not set in the environment`);
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, `${path}[${index}]`, env, missing));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substitute(item, path === '' ? key : `${path}.${key}`, env, missing),
      ]),
    );
  }
  return value;
}
