import { z } from 'zod';
import { OKTA_USER_STATUSES } from '../../src/core/mapping/okta-user-mapping.js';
import { ConnectorError } from '../connector-error.js';

const nonBlank = z.string().trim().min(1, 'must not be empty');
const attributeScalar = z.union([z.string(), z.number(), z.boolean()]);
/** Further IdP attributes for the policy's rules and mappings (`department`, `userType`, a custom one). */
const attributes = z.record(z.string(), z.union([attributeScalar, z.null(), z.array(attributeScalar)])).optional();

// Statuses are Okta's, so the sandbox exercises exactly the Okta notion of "active" (see DESIGN, Active).
const sandboxUserSchema = z.strictObject({
  id: nonBlank,
  userName: nonBlank,
  email: z
    .string()
    .trim()
    .regex(/^[^\s@,;<>]+@[^\s@,;<>]+$/, 'must be one e-mail address (name@domain)'),
  givenName: z.string(),
  familyName: z.string(),
  displayName: z.string().optional(),
  status: z.enum(OKTA_USER_STATUSES),
  attributes,
});

const sandboxGroupSchema = z.strictObject({
  id: nonBlank,
  displayName: nonBlank,
  type: z.enum(['OKTA_GROUP', 'BUILT_IN']).optional(),
  /** The group's direct members: user ids, and ids of groups nested in it. */
  members: z.array(nonBlank),
  attributes,
});

export const sandboxDirectoryFileSchema = z
  .strictObject({ users: z.array(sandboxUserSchema), groups: z.array(sandboxGroupSchema) })
  .superRefine((file, context) => {
    const userIds = new Set<string>();
    const userNames = new Set<string>();
    file.users.forEach((user, index) => {
      if (userIds.has(user.id)) {
        context.addIssue({ code: 'custom', path: ['users', index, 'id'], message: 'is a duplicate' });
      }
      // Logins are compared case-insensitively everywhere (DESIGN, Identity): two that differ only in case clash.
      const login = user.userName.toLowerCase();
      if (userNames.has(login)) {
        context.addIssue({
          code: 'custom',
          path: ['users', index, 'userName'],
          message: 'is a duplicate (ignoring case)',
        });
      }
      userIds.add(user.id);
      userNames.add(login);
    });
    const groupIds = new Set<string>();
    const groupNames = new Set<string>();
    const allGroupIds = new Set(file.groups.map((group) => group.id));
    file.groups.forEach((group, index) => {
      if (groupIds.has(group.id)) {
        context.addIssue({ code: 'custom', path: ['groups', index, 'id'], message: 'is a duplicate' });
      }
      // Okta keeps group names unique, and apps adopt existing groups by name: a clash would link two to one.
      const name = group.displayName.toLowerCase();
      if (groupNames.has(name)) {
        context.addIssue({
          code: 'custom',
          path: ['groups', index, 'displayName'],
          message: 'is a duplicate (ignoring case)',
        });
      }
      groupIds.add(group.id);
      groupNames.add(name);
      group.members.forEach((member, position) => {
        if (!userIds.has(member) && !allGroupIds.has(member)) {
          context.addIssue({
            code: 'custom',
            path: ['groups', index, 'members', position],
            message: `"${member}" is not the id of a user or group in this file`,
          });
        }
      });
    });
  });

/** The sandbox directory file (`DIRSYNC_SANDBOX_FILE`) as written. */
export type SandboxDirectoryFile = z.infer<typeof sandboxDirectoryFileSchema>;
export type SandboxUser = SandboxDirectoryFile['users'][number];
export type SandboxGroup = SandboxDirectoryFile['groups'][number];

/**
 * Parses the text of a sandbox file. Throws `ConnectorError('config')` with a one-line message naming the file,
 * the entry (`users[3]`, with its id when it has one), the field and what is wrong with it.
 */
export function parseSandboxDirectoryFile(text: string, file: string): SandboxDirectoryFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConnectorError('config', `DIRSYNC_SANDBOX_FILE ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = sandboxDirectoryFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const [first, ...rest] = parsed.error.issues;
  const where = first === undefined ? '' : describePath(json, first.path);
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})`;
  throw new ConnectorError(
    'config',
    `DIRSYNC_SANDBOX_FILE ${file}: ${where}${first?.message.replace(/\s+/g, ' ') ?? 'is not a directory'}${more}`,
  );
}

/** `users[3] (id "00u3") status: ` — the entry by position and by id, so it can be found either way. */
function describePath(json: unknown, path: readonly PropertyKey[]): string {
  const [collection, index, ...field] = path;
  if (typeof collection !== 'string') return '';
  if (typeof index !== 'number') return `${collection}: `;
  const entry = entryAt(json, collection, index);
  const id = entry !== undefined && typeof entry['id'] === 'string' ? ` (id "${entry['id']}")` : '';
  const fieldName = field.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  return `${collection}[${index}]${id}${fieldName === '' ? '' : ` ${fieldName.replace(/^\./, '')}`}: `;
}

function entryAt(json: unknown, collection: string, index: number): Record<string, unknown> | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const list: unknown = (json as Record<string, unknown>)[collection];
  if (!Array.isArray(list)) return undefined;
  const entry: unknown = list[index];
  return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
}
