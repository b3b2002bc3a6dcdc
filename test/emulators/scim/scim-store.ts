import { randomUUID } from 'node:crypto';
import { applyScimPatch } from './apply-scim-patch.js';
import type { ScimPredicate } from './compile-scim-filter.js';
import { GROUP_SCHEMA, USER_SCHEMA } from './scim-core-schemas.js';
import { ScimError } from './scim-error.js';
import { cloneJson, isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import type { ScimPatchOperation } from './scim-patch-request.js';
import type { ScimResourceSchema } from './scim-resource-schema.js';
import { normalizeScimResource } from './normalize-scim-resource.js';

export interface ScimStoreOptions {
  /** The base URL for `meta.location` and members' `$ref` (known only once the server listens). */
  readonly baseUrl: () => string;
  readonly now: () => Date;
}

/** The uniquely named attribute of each resource type, compared case-insensitively (RFC 7643 caseExact false). */
const UNIQUE_NAME = { User: 'userName', Group: 'displayName' } as const;

/**
 * Users and groups in memory, with what an app's SCIM layer owns: ids, `meta`, versions, name uniqueness and the
 * integrity of group members (they must exist, and leave their groups when deleted).
 */
export class ScimStore {
  readonly #options: ScimStoreOptions;
  readonly #resources = { User: new Map<string, JsonObject>(), Group: new Map<string, JsonObject>() };
  /** Lower-cased unique name → id, per resource type: uniqueness checks and `userName eq` stay O(1). */
  readonly #names = { User: new Map<string, string>(), Group: new Map<string, string>() };
  #version = 0;

  constructor(options: ScimStoreOptions) {
    this.#options = options;
  }

  /** POST: the stored resource, or 409 `uniqueness` (RFC 7644 §3.3). */
  create(schema: ScimResourceSchema, body: JsonValue): JsonObject {
    const resource = this.#checked(schema, normalizeScimResource(body, schema, { sentBody: true }), undefined);
    const id = randomUUID();
    const now = this.#options.now().toISOString();
    return this.#save(schema, id, resource, now, now);
  }

  get(schema: ScimResourceSchema, id: string): JsonObject {
    return cloneJson(this.#existing(schema, id));
  }

  /** PUT (RFC 7644 §3.5.1): replaces every writable attribute. */
  replace(schema: ScimResourceSchema, id: string, body: JsonValue, ifMatch: string | undefined): JsonObject {
    const current = this.#existing(schema, id);
    checkVersion(current, ifMatch);
    const resource = this.#checked(schema, normalizeScimResource(body, schema, { sentBody: true }), id);
    return this.#save(schema, id, resource, createdOf(current), this.#options.now().toISOString());
  }

  patch(
    schema: ScimResourceSchema,
    id: string,
    operations: readonly ScimPatchOperation[],
    ifMatch: string | undefined,
  ): JsonObject {
    const current = this.#existing(schema, id);
    checkVersion(current, ifMatch);
    const patched = normalizeScimResource(applyScimPatch(current, operations, schema), schema, {
      sentBody: false,
    });
    const resource = this.#checked(schema, patched, id);
    return this.#save(schema, id, resource, createdOf(current), this.#options.now().toISOString());
  }

  delete(schema: ScimResourceSchema, id: string, ifMatch: string | undefined): void {
    const current = this.#existing(schema, id);
    checkVersion(current, ifMatch);
    this.#resources[schema.resourceType].delete(id);
    this.#names[schema.resourceType].delete(uniqueNameOf(schema, current));
    this.#dropMember(id);
  }

  /** Resources in creation order, optionally filtered. The returned objects are copies. */
  list(schema: ScimResourceSchema, predicate?: ScimPredicate): JsonObject[] {
    return this.page(schema, predicate, 0, Number.POSITIVE_INFINITY).resources;
  }

  /** One page of the (filtered) resources, from a 0-based offset: only the page is copied. */
  page(
    schema: ScimResourceSchema,
    predicate: ScimPredicate | undefined,
    offset: number,
    count: number,
  ): { readonly total: number; readonly resources: JsonObject[] } {
    const all = [...this.#resources[schema.resourceType].values()];
    const matches = predicate === undefined ? all : all.filter(predicate);
    return { total: matches.length, resources: matches.slice(offset, offset + count).map((r) => cloneJson(r)) };
  }

  /** The resource with this id, or undefined. */
  find(schema: ScimResourceSchema, id: string): JsonObject | undefined {
    const resource = this.#resources[schema.resourceType].get(id);
    return resource === undefined ? undefined : cloneJson(resource);
  }

  /** The id of the resource whose unique name (userName / displayName) matches, case-insensitively. */
  idByName(schema: ScimResourceSchema, name: string): string | undefined {
    return this.#names[schema.resourceType].get(name.toLowerCase());
  }

  clear(): void {
    for (const map of [...Object.values(this.#resources), ...Object.values(this.#names)]) map.clear();
  }

  #existing(schema: ScimResourceSchema, id: string): JsonObject {
    const resource = this.#resources[schema.resourceType].get(id);
    if (resource === undefined) throw ScimError.notFound(`${schema.resourceType} ${JSON.stringify(id)} not found`);
    return resource;
  }

  /** Uniqueness (409, RFC 7644 §3.3 and §3.12) and, for groups, members that exist. */
  #checked(schema: ScimResourceSchema, resource: JsonObject, id: string | undefined): JsonObject {
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
    if (schema.resourceType === 'Group') resource['members'] = this.#checkedMembers(resource['members'], id);
    if (resource['members'] === undefined || (Array.isArray(resource['members']) && resource['members'].length === 0)) {
      delete resource['members'];
    }
    return resource;
  }

  #checkedMembers(members: JsonValue | undefined, groupId: string | undefined): JsonValue[] {
    const seen = new Set<string>();
    const result: JsonValue[] = [];
    for (const member of Array.isArray(members) ? members : []) {
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
      if (seen.has(value)) continue;
      seen.add(value);
      const endpoint = type === 'User' ? USER_SCHEMA.endpoint : GROUP_SCHEMA.endpoint;
      result.push({ ...member, type, $ref: `${this.#options.baseUrl()}${endpoint}/${value}` });
    }
    return result;
  }

  #save(schema: ScimResourceSchema, id: string, resource: JsonObject, created: string, modified: string): JsonObject {
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
    const previous = this.#resources[schema.resourceType].get(id);
    if (previous !== undefined) this.#names[schema.resourceType].delete(uniqueNameOf(schema, previous));
    this.#resources[schema.resourceType].set(id, stored);
    this.#names[schema.resourceType].set(uniqueNameOf(schema, stored), id);
    return cloneJson(stored);
  }

  #dropMember(id: string): void {
    const now = this.#options.now().toISOString();
    for (const [groupId, group] of this.#resources.Group) {
      const members = group['members'];
      if (!Array.isArray(members) || !members.some((member) => isJsonObject(member) && member['value'] === id))
        continue;
      const rest = members.filter((member) => !(isJsonObject(member) && member['value'] === id));
      const updated: JsonObject = { ...group, members: rest };
      if (rest.length === 0) delete updated['members'];
      this.#save(GROUP_SCHEMA, groupId, updated, createdOf(group), now);
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
