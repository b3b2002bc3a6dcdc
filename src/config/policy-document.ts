import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import { z } from 'zod';
import type {
  AttributeRule,
  AttributeSource,
  GroupSelector,
  MappedAttribute,
  Policy,
  RolePolicy,
} from '../core/policy/policy.js';
import { DEFAULT_POLICY } from '../core/policy/policy.js';
import { parseScimAttributePath, type ScimAttributePath } from '../core/policy/scim-attribute-path.js';

// The YAML library (~50 ms of a start) is loaded when a file is parsed: most starts have no file to parse.
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof YamlModule).parse(text);
}

/** Every problem of one policy document, each `policy.<path>: <what>`, so the operator fixes them in one go. */
export class PolicyProblems extends Error {
  override readonly name = 'PolicyProblems';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const text = z.string().min(1, 'must not be empty');

const ruleSchema = z.union([
  z.strictObject({ attribute: text, equals: scalar }),
  z.strictObject({ attribute: text, in: z.array(scalar).min(1, 'must list at least one value') }),
  z.strictObject({ attribute: text, matches: text }),
  z.strictObject({ attribute: text, exists: z.boolean() }),
]);
const groupSelectorSchema = z.union([text, z.strictObject({ id: text }), ruleSchema]);
const createOnly = z.boolean().optional();
const sourceSchema = z.union([
  text,
  z.strictObject({ attribute: text, createOnly }),
  z.strictObject({ constant: scalar, createOnly }),
  z.strictObject({ group: text, then: scalar, else: scalar.optional(), createOnly }),
]);

const documentSchema = z.strictObject({
  scope: z
    .strictObject({
      users: z
        .strictObject({
          include: z.array(ruleSchema).optional(),
          exclude: z.array(ruleSchema).optional(),
          membersOfPushedGroupsOnly: z.boolean().optional(),
        })
        .optional(),
      groups: z
        .strictObject({
          include: z.array(groupSelectorSchema).optional(),
          exclude: z.array(groupSelectorSchema).optional(),
          includeBuiltInGroups: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
  nestedGroups: z.enum(['direct', 'flatten']).optional(),
  mapping: z
    .strictObject({
      userName: z.enum(['login', 'email']).optional(),
      attributes: z.record(z.string(), sourceSchema).optional(),
    })
    .optional(),
  roles: z
    .strictObject({
      attribute: text,
      rules: z.array(z.strictObject({ group: text, value: scalar })),
      default: scalar.optional(),
    })
    .optional(),
  groups: z.strictObject({ links: z.record(text, text).optional() }).optional(),
});
type PolicyDocument = z.infer<typeof documentSchema>;

/**
 * Validates a policy document (already parsed from YAML or JSON) into a `Policy`; absent keys take
 * `DEFAULT_POLICY`'s values. Throws `PolicyProblems` naming every bad field (`policy.roles.rules[1].value: required`).
 */
export function parsePolicyDocument(raw: unknown): Policy {
  const parsed = documentSchema.safeParse(raw ?? {}, {
    error: (issue) =>
      (issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined
        ? 'required'
        : undefined,
  });
  if (!parsed.success) {
    throw new PolicyProblems(
      parsed.error.issues.map((issue) => {
        const what =
          issue.code === 'unrecognized_keys'
            ? `unknown key(s) ${issue.keys.join(', ')}`
            : issue.code === 'invalid_union' && issue.message !== 'required'
              ? unionHint(issue.path)
              : issue.message;
        return `${pathText(issue.path)}: ${what}`;
      }),
    );
  }
  return toPolicy(parsed.data);
}

/**
 * The policy of one connection from what it wrote under `policy:` in the connections file: absent → the
 * default; `{ file }` → that file (relative to `baseDir`); anything else → an inline document.
 */
export function loadPolicy(raw: unknown, baseDir: string): Policy {
  if (raw === undefined || raw === null) return DEFAULT_POLICY;
  if (typeof raw === 'object' && !Array.isArray(raw) && 'file' in raw) {
    const { file, ...rest } = raw as Record<string, unknown>;
    if (Object.keys(rest).length > 0) {
      throw new PolicyProblems([`policy: file and inline keys (${Object.keys(rest).join(', ')}) cannot be combined`]);
    }
    if (typeof file !== 'string' || file.trim() === '') throw new PolicyProblems(['policy.file: must be a path']);
    return loadPolicyFile(isAbsolute(file) ? file : resolve(baseDir, file));
  }
  return parsePolicyDocument(raw);
}

/** Reads and validates a policy file (YAML, or JSON, which YAML reads too); problems are prefixed with the file. */
export function loadPolicyFile(file: string): Policy {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new PolicyProblems([`policy file ${file} cannot be read (${code})`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(content);
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new PolicyProblems([`policy file ${file} is not valid YAML or JSON: ${reason}`]);
  }
  try {
    return parsePolicyDocument(raw);
  } catch (error) {
    if (!(error instanceof PolicyProblems)) throw error;
    throw new PolicyProblems(error.problems.map((problem) => `policy file ${file}: ${problem}`));
  }
}

function toPolicy(doc: PolicyDocument): Policy {
  const problems: string[] = [];
  const attributes: MappedAttribute[] = [];
  const written = new Map<string, string>();
  const target = (path: string, where: string): ScimAttributePath | undefined => {
    const result = parseScimAttributePath(path);
    if (!result.ok) {
      problems.push(`${where}: ${result.problem}`);
      return undefined;
    }
    const key = canonical(result.path);
    const earlier = written.get(key);
    if (earlier !== undefined) problems.push(`${where}: the same attribute as ${earlier}`);
    written.set(key, where);
    return result.path;
  };
  for (const [path, source] of Object.entries(doc.mapping?.attributes ?? {})) {
    const where = `policy.mapping.attributes["${path}"]`;
    const parsedTarget = target(path, where);
    if (parsedTarget?.schema === undefined && parsedTarget?.attribute.toLowerCase() === 'roles') {
      problems.push(`${where}: roles are set by the roles: section`);
    }
    if (parsedTarget !== undefined) attributes.push({ path, target: parsedTarget, source: toSource(source) });
  }
  let roles: RolePolicy | undefined;
  if (doc.roles !== undefined) {
    const roleTarget = target(doc.roles.attribute, 'policy.roles.attribute');
    if (roleTarget !== undefined) {
      roles = { path: doc.roles.attribute, target: roleTarget, rules: doc.roles.rules, default: doc.roles.default };
    }
  }
  const links = Object.entries(doc.groups?.links ?? {}).map(([from, to]) => ({ from, to }));
  const linkedTo = new Map<string, string>();
  for (const link of links) {
    const earlier = linkedTo.get(link.to.toLowerCase());
    if (earlier !== undefined) {
      problems.push(`policy.groups.links["${link.from}"]: "${earlier}" is already linked to "${link.to}"`);
    }
    linkedTo.set(link.to.toLowerCase(), link.from);
  }
  if (problems.length > 0) throw new PolicyProblems(problems);
  const users = doc.scope?.users;
  const groups = doc.scope?.groups;
  return Object.freeze({
    scope: {
      users: {
        include: (users?.include ?? []).map(toRule),
        exclude: (users?.exclude ?? []).map(toRule),
        membersOfPushedGroupsOnly: users?.membersOfPushedGroupsOnly ?? false,
      },
      groups: {
        include: (groups?.include ?? []).map(toSelector),
        exclude: (groups?.exclude ?? []).map(toSelector),
        includeBuiltInGroups: groups?.includeBuiltInGroups ?? false,
      },
    },
    nestedGroups: doc.nestedGroups ?? DEFAULT_POLICY.nestedGroups,
    mapping: { userName: doc.mapping?.userName ?? DEFAULT_POLICY.mapping.userName, attributes },
    roles,
    groups: { links },
  });
}

type RuleDocument = z.infer<typeof ruleSchema>;

function toRule(rule: RuleDocument): AttributeRule {
  if ('equals' in rule) return { kind: 'equals', attribute: rule.attribute, value: rule.equals };
  if ('in' in rule) return { kind: 'in', attribute: rule.attribute, values: rule.in };
  if ('matches' in rule) return { kind: 'matches', attribute: rule.attribute, glob: rule.matches };
  return { kind: 'exists', attribute: rule.attribute, exists: rule.exists };
}

function toSelector(selector: z.infer<typeof groupSelectorSchema>): GroupSelector {
  if (typeof selector === 'string') return { kind: 'name', glob: selector };
  if ('id' in selector) return { kind: 'id', id: selector.id };
  return { kind: 'rule', rule: toRule(selector) };
}

function toSource(source: z.infer<typeof sourceSchema>): AttributeSource {
  if (typeof source === 'string') return { kind: 'attribute', attribute: source, createOnly: false };
  const createOnly = source.createOnly ?? false;
  if ('attribute' in source) return { kind: 'attribute', attribute: source.attribute, createOnly };
  if ('constant' in source) return { kind: 'constant', value: source.constant, createOnly };
  return { kind: 'group', group: source.group, then: source.then, else: source.else, createOnly };
}

// SCIM attribute names are case-insensitive (RFC 7643 §2.1): `Title` and `title` are one attribute.
function canonical(path: ScimAttributePath): string {
  return [path.schema ?? '', path.attribute, path.valueType ?? '', path.subAttribute ?? ''].join('|').toLowerCase();
}

function pathText(path: readonly PropertyKey[]): string {
  let out = 'policy';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += `.${segment}`;
    else out += `["${String(segment)}"]`;
  }
  return out;
}

// A union names no single field: say which shapes are accepted where it failed.
function unionHint(path: readonly PropertyKey[]): string {
  const parent = path.filter((segment) => typeof segment === 'string').at(-1);
  if (parent === 'attributes') {
    return 'must be an IdP attribute name, { attribute }, { constant }, or { group, then, else }, with createOnly: true optional';
  }
  if (parent === 'include' || parent === 'exclude') {
    const groups = path.includes('groups');
    return `must be ${groups ? 'a name glob, { id }, or ' : ''}a rule { attribute, equals | in | matches | exists }`;
  }
  return 'has an unexpected shape';
}
