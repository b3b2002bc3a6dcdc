import { randomUUID } from 'node:crypto';
import { applyScimPatch } from './apply-scim-patch.js';
import type { ScimPredicate } from './compile-scim-filter.js';
import { GROUP_SCHEMA, USER_SCHEMA } from './scim-core-schemas.js';
import { ScimError } from './scim-error.js';
import { deepFreeze, deleteKey, isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import { draftScimMemberPatch, MEMBERS_HELD_APART } from './scim-member-patch.js';
import type { ScimMemberPatch } from './scim-member-patch.js';
import type { ScimPatchOperation } from './scim-patch-request.js';
import type { ScimResourceSchema } from './scim-resource-schema.js';
import { normalizeScimResource } from './normalize-scim-resource.js';

export interface ScimStoreOptions {
  /** The base URL for `meta.location` and members' `$ref` (known only once the server listens). */
  readonly baseUrl: () => string;
  readonly now: () => Date;
}

/** What a read or a write answers with. */
export interface ScimReadOptions {
  /**
   * Default true. False when the answer leaves a group's `members` out anyway (`excludedAttributes=members`, or an
   * answer without a body): the group is then given without them, at no cost for their number.
   */
  readonly members?: boolean;
}

/** The uniquely named attribute of each resource type, compared case-insensitively (RFC 7643 caseExact false). */
const UNIQUE_NAME = { User: 'userName', Group: 'displayName' } as const;

const NO_MEMBERS: ReadonlyMap<string, JsonObject> = new Map();

/**
 * Users and groups in memory, with what an app's SCIM layer owns: ids, `meta`, versions, name uniqueness and the
 * integrity of group members (they must exist, and leave their groups when deleted).
 *
 * What it holds is frozen and handed out as it is, never copied: a reader cannot change the store through it, and
 * a write replaces values instead of changing them. A group's members are held apart, by value in their order, so
 * that a PATCH adding or removing k of them costs O(k), not the size of the group (see `draftScimMemberPatch`);
 * they are put into a group only when a reader asks for them, once per version of the group.
 */
export class ScimStore {
  readonly #options: ScimStoreOptions;
  readonly #resources = { User: new Map<string, JsonObject>(), Group: new Map<string, JsonObject>() };
  /** Lower-cased unique name → id, per resource type: uniqueness checks and `userName eq` stay O(1). */
  readonly #names = { User: new Map<string, string>(), Group: new Map<string, string>() };
  /** Group id → its members (frozen) by value, in the group's order; a group without members has none here. */
  readonly #members = new Map<string, Map<string, JsonObject>>();
  /** Group id → its members as the frozen array readers get, until the group changes. */
  readonly #memberArrays = new Map<string, JsonValue[]>();
  #version = 0;

  constructor(options: ScimStoreOptions) {
    this.#options = options;
  }

  /** POST: the stored resource, or 409 `uniqueness` (RFC 7644 §3.3). */
  create(schema: ScimResourceSchema, body: JsonValue, options: ScimReadOptions = {}): JsonObject {
    const resource = this.#checked(schema, normalizeScimResource(body, schema, { sentBody: true }), undefined);
    const id = randomUUID();
    const now = this.#options.now().toISOString();
    return this.#save(schema, id, resource, now, now, options);
  }

  get(schema: ScimResourceSchema, id: string, options: ScimReadOptions = {}): JsonObject {
    return this.#view(id, this.#existing(schema, id), options);
  }

  /** PUT (RFC 7644 §3.5.1): replaces every writable attribute. */
  replace(
    schema: ScimResourceSchema,
    id: string,
    body: JsonValue,
    ifMatch: string | undefined,
    options: ScimReadOptions = {},
  ): JsonObject {
    const current = this.#existing(schema, id);
    checkVersion(current, ifMatch);
    const resource = this.#checked(schema, normalizeScimResource(body, schema, { sentBody: true }), id);
    return this.#save(schema, id, resource, createdOf(current), this.#options.now().toISOString(), options);
  }

  /**
   * PATCH (RFC 7644 §3.5.2), atomic: when an operation or a check fails, nothing is applied. Nothing stored is
   * written before every check has passed.
   */
  patch(
    schema: ScimResourceSchema,
    id: string,
    operations: readonly ScimPatchOperation[],
    ifMatch: string | undefined,
    options: ScimReadOptions = {},
  ): JsonObject {
    const current = this.#existing(schema, id);
    checkVersion(current, ifMatch);
    const now = this.#options.now().toISOString();
    const stored = this.#members.get(id) ?? NO_MEMBERS;
    const draft =
      schema.resourceType === 'Group' ? draftScimMemberPatch(current, stored, operations, schema) : undefined;
    if (draft === undefined) {
      const whole = this.#view(id, current, { members: true });
      const patched = normalizeScimResource(applyScimPatch(whole, operations, schema), schema, { sentBody: false });
      return this.#save(schema, id, this.#checked(schema, patched, id), createdOf(current), now, options);
    }
    const resource = normalizeScimResource(draft.resource, schema, { sentBody: false, heldApart: MEMBERS_HELD_APART });
    this.#checkUnique(schema, resource, id);
    const added = this.#checkedAddedMembers(draft, stored, id);
    // Every check has passed: from here on nothing throws.
    this.#commitMembers(id, draft.removed, added);
    return this.#save(schema, id, resource, createdOf(current), now, options);
  }

  delete(schema: ScimResourceSchema, id: string, ifMatch: string | undefined): void {
    const current = this.#existing(schema, id);
    checkVersion(current, ifMatch);
    this.#resources[schema.resourceType].delete(id);
    this.#names[schema.resourceType].delete(uniqueNameOf(schema, current));
    this.#members.delete(id);
    this.#memberArrays.delete(id);
    this.#dropMember(id);
  }

  /** Resources in creation order, optionally filtered (frozen, as every resource the store gives). */
  list(schema: ScimResourceSchema, predicate?: ScimPredicate): JsonObject[] {
    return this.page(schema, predicate, 0, Number.POSITIVE_INFINITY).resources;
  }

  /**
   * One page of the (filtered) resources, from a 0-based offset. `predicateReadsMembers` false: the filter names
   * no `members`, so groups are matched without them.
   */
  page(
    schema: ScimResourceSchema,
    predicate: ScimPredicate | undefined,
    offset: number,
    count: number,
    options: ScimReadOptions & { readonly predicateReadsMembers?: boolean } = {},
  ): { readonly total: number; readonly resources: JsonObject[] } {
    const all = [...this.#resources[schema.resourceType]];
    const forPredicate = { members: options.predicateReadsMembers ?? true };
    const matches =
      predicate === undefined ? all : all.filter(([id, resource]) => predicate(this.#view(id, resource, forPredicate)));
    const resources = matches.slice(offset, offset + count).map(([id, resource]) => this.#view(id, resource, options));
    return { total: matches.length, resources };
  }

  /** The resource with this id, or undefined. */
  find(schema: ScimResourceSchema, id: string): JsonObject | undefined {
    const resource = this.#resources[schema.resourceType].get(id);
    return resource === undefined ? undefined : this.#view(id, resource, {});
  }

  /** The id of the resource whose unique name (userName / displayName) matches, case-insensitively. */
  idByName(schema: ScimResourceSchema, name: string): string | undefined {
    return this.#names[schema.resourceType].get(name.toLowerCase());
  }

  clear(): void {
    for (const map of [...Object.values(this.#resources), ...Object.values(this.#names)]) map.clear();
    this.#members.clear();
    this.#memberArrays.clear();
  }

  #existing(schema: ScimResourceSchema, id: string): JsonObject {
    const resource = this.#resources[schema.resourceType].get(id);
    if (resource === undefined) throw ScimError.notFound(`${schema.resourceType} ${JSON.stringify(id)} not found`);
    return resource;
  }

  /** Uniqueness (409, RFC 7644 §3.3 and §3.12) and, for groups, members that exist. */
  #checked(schema: ScimResourceSchema, resource: JsonObject, id: string | undefined): JsonObject {
    this.#checkUnique(schema, resource, id);
    if (schema.resourceType === 'Group') resource['members'] = this.#checkedMembers(resource['members'], id);
    if (resource['members'] === undefined || (Array.isArray(resource['members']) && resource['members'].length === 0)) {
      delete resource['members'];
    }
    return resource;
  }

  #checkUnique(schema: ScimResourceSchema, resource: JsonObject, id: string | undefined): void {
    const name = uniqueNameOf(schema, resource);
    const holder = this.#names[schema.resourceType].get(name);
    if (holder !== undefined && holder !== id) {
      const attribute = UNIQUE_NAME[schema.resourceType];
      throw new ScimError(
        409,
        `A ${schema.resourceType} with ${attribute} ${JSON.stringify(resource[attribute])} already exists`,
        'uniqueness',
      );
    }
  }

  /** Members in order, each checked, the first of each value kept. */
  #checkedMembers(members: JsonValue | undefined, groupId: string | undefined): JsonValue[] {
    const seen = new Set<string>();
    const result: JsonValue[] = [];
    for (const member of Array.isArray(members) ? members : []) {
      const checked = this.#checkedMember(member, groupId);
      if (seen.has(checked.value)) continue;
      seen.add(checked.value);
      result.push(checked.member);
    }
    return result;
  }

  /**
   * What `#checkedMembers` makes of the stored members followed by the added ones, for the added ones only: the
   * stored members passed these checks when they were stored, and a member leaves its groups when it is deleted.
   */
  #checkedAddedMembers(
    draft: ScimMemberPatch,
    stored: ReadonlyMap<string, JsonObject>,
    groupId: string,
  ): Map<string, JsonObject> {
    const accepted = new Map<string, JsonObject>();
    for (const member of draft.added) {
      const checked = this.#checkedMember(member, groupId);
      const held = stored.has(checked.value) && !draft.removed.has(checked.value);
      if (held || accepted.has(checked.value)) continue;
      accepted.set(checked.value, checked.member);
    }
    return accepted;
  }

  /** One member as stored (with its `type` and `$ref`), or 400 `invalidValue` saying why it cannot be one. */
  #checkedMember(
    member: JsonValue,
    groupId: string | undefined,
  ): { readonly value: string; readonly member: JsonObject } {
    const value = isJsonObject(member) ? member['value'] : undefined;
    if (!isJsonObject(member) || typeof value !== 'string') {
      throw ScimError.badRequest('invalidValue', 'Every member needs a "value" (the id of a User or Group)');
    }
    const type = this.#resources.User.has(value) ? 'User' : this.#resources.Group.has(value) ? 'Group' : undefined;
    if (type === undefined || value === groupId) {
      throw ScimError.badRequest('invalidValue', `Member ${JSON.stringify(value)} is not the id of a User or Group`);
    }
    if (member['type'] !== undefined && member['type'] !== type) {
      throw ScimError.badRequest(
        'invalidValue',
        `Member ${JSON.stringify(value)} is a ${type}, not a ${JSON.stringify(member['type'])}`,
      );
    }
    const endpoint = type === 'User' ? USER_SCHEMA.endpoint : GROUP_SCHEMA.endpoint;
    return { value, member: { ...member, type, $ref: `${this.#options.baseUrl()}${endpoint}/${value}` } };
  }

  /** Applies a checked member PATCH in place: removed values leave, added ones go to the end, in order. */
  #commitMembers(groupId: string, removed: ReadonlySet<string>, added: ReadonlyMap<string, JsonObject>): void {
    const members = this.#members.get(groupId) ?? new Map<string, JsonObject>();
    for (const value of removed) members.delete(value);
    for (const [value, member] of added) members.set(value, deepFreeze(member));
    if (members.size === 0) this.#members.delete(groupId);
    else this.#members.set(groupId, members);
    this.#memberArrays.delete(groupId);
  }

  /**
   * Stores a new version. `resource['members']` is either an array (checked), taken apart into the group's map, or
   * `MEMBERS_HELD_APART` when the map already holds them (`#commitMembers`).
   */
  #save(
    schema: ScimResourceSchema,
    id: string,
    resource: JsonObject,
    created: string,
    modified: string,
    options: ScimReadOptions,
  ): JsonObject {
    const { schemas, ...attributes } = resource;
    this.#version++;
    const stored: JsonObject = {
      schemas: schemas ?? [schema.schemaUrn],
      id,
      ...attributes,
      meta: {
        resourceType: schema.resourceType,
        created,
        lastModified: modified,
        location: `${this.#options.baseUrl()}${schema.endpoint}/${id}`,
        version: `W/"${this.#version}"`,
      },
    };
    if (schema.resourceType === 'Group') this.#holdMembersApart(id, stored);
    deepFreeze(stored);
    const previous = this.#resources[schema.resourceType].get(id);
    if (previous !== undefined) this.#names[schema.resourceType].delete(uniqueNameOf(schema, previous));
    this.#resources[schema.resourceType].set(id, stored);
    this.#names[schema.resourceType].set(uniqueNameOf(schema, stored), id);
    return this.#view(id, stored, options);
  }

  #holdMembersApart(groupId: string, group: JsonObject): void {
    this.#memberArrays.delete(groupId);
    const members = group['members'];
    if (members === MEMBERS_HELD_APART) return;
    if (!Array.isArray(members)) {
      this.#members.delete(groupId);
      return;
    }
    const byValue = new Map<string, JsonObject>();
    for (const member of members) {
      const value = isJsonObject(member) ? member['value'] : undefined;
      if (isJsonObject(member) && typeof value === 'string') byValue.set(value, deepFreeze(member));
    }
    this.#members.set(groupId, byValue);
    group['members'] = MEMBERS_HELD_APART;
  }

  /** The stored resource as readers get it: a group with its members in place, or without them when not wanted. */
  #view(id: string, stored: JsonObject, { members = true }: ScimReadOptions): JsonObject {
    if (stored['members'] !== MEMBERS_HELD_APART) return stored;
    const view: JsonObject = { ...stored };
    if (members) view['members'] = this.#memberArray(id);
    else deleteKey(view, 'members');
    return Object.freeze(view);
  }

  #memberArray(groupId: string): JsonValue[] {
    const cached = this.#memberArrays.get(groupId);
    if (cached !== undefined) return cached;
    const array: JsonValue[] = [...(this.#members.get(groupId)?.values() ?? [])];
    Object.freeze(array);
    this.#memberArrays.set(groupId, array);
    return array;
  }

  /** A deleted user or group leaves every group that held it, each group getting a new version. */
  #dropMember(id: string): void {
    const now = this.#options.now().toISOString();
    for (const [groupId, group] of this.#resources.Group) {
      if (this.#members.get(groupId)?.has(id) !== true) continue;
      this.#commitMembers(groupId, new Set([id]), new Map());
      const updated: JsonObject = { ...group };
      if (!this.#members.has(groupId)) deleteKey(updated, 'members');
      this.#save(GROUP_SCHEMA, groupId, updated, createdOf(group), now, { members: false });
    }
  }
}

function uniqueNameOf(schema: ScimResourceSchema, resource: JsonObject): string {
  const value = resource[UNIQUE_NAME[schema.resourceType]];
  return typeof value === 'string' ? value.toLowerCase() : '';
}

function createdOf(resource: JsonObject): string {
  const meta = resource['meta'];
  const created = isJsonObject(meta) ? meta['created'] : undefined;
  return typeof created === 'string' ? created : new Date(0).toISOString();
}

/** RFC 7644 §3.14: a write with `If-Match` that names another version fails with 412. */
function checkVersion(resource: JsonObject, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const meta = resource['meta'];
  const version = isJsonObject(meta) ? meta['version'] : undefined;
  const wanted = ifMatch.split(',').map((tag) => tag.trim());
  if (typeof version !== 'string' || !wanted.includes(version)) {
    throw new ScimError(412, `Version ${ifMatch} does not match the current ${JSON.stringify(version ?? null)}`);
  }
}
