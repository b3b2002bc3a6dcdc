import { z } from 'zod';
import { adoptionHold } from '../../core/identity/adoption-hold.js';
import type { ExtraAttributeChanges } from '../../core/model/extra-attributes.js';
import type { HeldIdentity } from '../../core/planner/op-hold.js';
import type { Op, OpKind } from '../../core/planner/op.js';
import type {
  CreateOptions,
  CreateResult,
  GroupChanges,
  UpdateGroupOptions,
  GroupWrite,
  Target,
  UserChanges,
  UserWrite,
} from '../target.js';
import { OpHeldError } from '../op-held-error.js';
import { throwIfStopped } from '../run-stopped-error.js';
import { TargetError } from '../target-error.js';
import { isFormRefused, isNoTarget, isSuccess, refusalOf, scimTypeOf } from './scim-answer.js';
import { extensionSchemas, splitExtraAttributes } from './scim-extra-attributes.js';
import { ScimHttp } from './scim-http.js';
import type { ScimHttpResponse } from './scim-http.js';
import { ScimLookup } from './scim-lookup.js';
import { ScimBulkCreates } from './scim-bulk-creates.js';
import { requestWithoutMembers } from './request-without-members.js';
import { unsupportedReason } from './scim-dialect.js';
import type { ScimDialect, ScimDialectWrite } from './scim-dialect.js';
import { ScimDialectState } from './scim-dialect-state.js';
import {
  groupPatchBatches,
  groupPatchOperations,
  memberRemovalByValueOperations,
  patchRequest,
  userAttributes,
  userChangeOperations,
} from './scim-patch-operations.js';
import type { GroupPatchBatch, ScimPatchOperation } from './scim-patch-operations.js';
import { ScimProviderCapabilities } from './scim-provider-capabilities.js';
import { groupForPut, userForPut } from './scim-put-resource.js';
import { SCIM_GROUP_SCHEMA, SCIM_USER_SCHEMA, scimGroupSchema, scimUserSchema } from './scim-schemas.js';
import type { ScimGroup, ScimUser } from './scim-schemas.js';
import { resolveScimTargetConfig } from './scim-target-config.js';
import type { ResolvedScimTargetConfig, ScimTargetConfig } from './scim-target-config.js';
import { patchUser } from './scim-user-patch.js';

/**
 * The app as a SCIM 2.0 service provider (RFC 7643/7644), strict or limited: `eq` filters only, PATCH in the
 * forms limited providers accept (see `scim-patch-operations.ts`), member changes chunked, creates made
 * idempotent by lookups, and `/ServiceProviderConfig` read once where present.
 */
export class ScimTarget implements Target {
  readonly name = 'scim';
  readonly #config: ResolvedScimTargetConfig;
  readonly #http: ScimHttp;
  readonly #capabilities: ScimProviderCapabilities;
  readonly #dialect: ScimDialectState;
  readonly #lookup: ScimLookup;
  readonly #bulkCreates: ScimBulkCreates;

  /** Throws a `config` TargetError for a bad base URL, an empty token or a bad limit. */
  constructor(config: ScimTargetConfig) {
    this.#config = resolveScimTargetConfig(config);
    this.#http = new ScimHttp(this.#config);
    this.#capabilities = new ScimProviderCapabilities(this.#http);
    this.#dialect = new ScimDialectState(this.#config.dialect, this.#capabilities, {
      maxMembersPerPatch: this.#config.maxMembersPerPatch,
      displayUrl: this.#config.displayUrl,
    });
    this.#lookup = new ScimLookup(this.#http, this.#capabilities, this.#dialect);
    this.#bulkCreates = new ScimBulkCreates(this.#http, (lesson) => {
      this.#dialect.learnBulk(lesson);
    });
  }

  /**
   * User creates go in `/Bulk` requests where the app advertises it (see `ScimBulkCreates`): the apply keeps this
   * many of them in flight for each write it would otherwise have in flight.
   */
  async opsPerRequest(kind: OpKind): Promise<number> {
    if (kind !== 'user.create') return 1;
    return (await this.#dialect.get()).bulk?.maxOperations ?? 1;
  }

  async createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    const action = `create user ${JSON.stringify(user.userName)}`;
    // RFC 7643 §3: `schemas` names every schema whose attributes the body holds, extensions included.
    const json = { schemas: [SCIM_USER_SCHEMA, ...extensionSchemas(user.extra)], ...userAttributes(user) };
    let lookFirst = options.resumed;
    const { bulk } = await this.#dialect.get();
    if (!lookFirst && bulk !== null) {
      const outcome = await this.#bulkCreates.create(json, bulk);
      if (outcome.kind === 'created') return { appId: outcome.appId, adopted: false };
      if (outcome.kind === 'answered') return this.#createdUser(outcome.response, user, options, action);
      // Not performed: sent alone. Unknown: looked up first, as after a crash between the attempt and the answer.
      lookFirst = outcome.kind === 'unknown';
    }
    if (lookFirst) {
      // An earlier attempt may have landed: first our own object by externalId, then one of the same name.
      const found = (await this.#findUserByExternalId(user)) ?? (await this.#findUserByName(user));
      if (found !== undefined) return this.#linkUser(found, user, options);
    }
    const response = await this.#http.request('POST', 'Users', {
      json,
      findLanded: () => this.#findOwnUser(user),
    });
    return this.#createdUser(response, user, options, action);
  }

  /** The app's answer to a user create, single or in a bulk: the user made, or the one of its name adopted. */
  async #createdUser(
    response: ScimHttpResponse,
    user: UserWrite,
    options: CreateOptions,
    action: string,
  ): Promise<CreateResult> {
    if (isSuccess(response)) return { appId: this.#http.parse(response, scimUserSchema, action).id, adopted: false };
    if (response.status === 409) {
      // RFC 7644 §3.3: 409 uniqueness. Either someone made this user in the app, or a retried POST of ours landed.
      const found = await this.#findUserByName(user);
      if (found !== undefined) return this.#linkUser(found, user, options);
    }
    throw this.#http.failure(response, action);
  }

  async updateUser(appId: string, changes: UserChanges): Promise<void> {
    if (userChangeOperations(changes).length === 0) return;
    const { whole, typed } = splitExtraAttributes(changes.extra);
    const policyAttributes = Object.keys(changes.extra ?? {});
    await this.#write(
      'userUpdate',
      'user.update',
      `update user ${appId}`,
      (dialect) =>
        dialect.userUpdate === 'put'
          ? this.#put('Users', appId, (current) => userForPut(current, changes))
          : this.#patchUser(appId, userChangeOperations({ ...changes, extra: whole }), typed),
      // A refusal of a change that carries the policy's attributes most likely names an attribute the app does not
      // have (Dovetail has no `title`): learning "no PATCH" from it would turn every later user update into work
      // by hand. The op fails instead, naming the attributes, and is retried, then parked, like any refused op.
      policyAttributes.length === 0
        ? undefined
        : `the update carries the policy's attributes ${policyAttributes.join(', ')}: if the app has no such attribute, remove it from the connection's policy (mapping.attributes or roles.attribute)`,
    );
  }

  async createGroup(group: GroupWrite, options: CreateOptions): Promise<CreateResult> {
    const action = `create group ${JSON.stringify(group.displayName)}`;
    if (options.resumed) {
      const found = (await this.#findGroupByExternalId(group)) ?? (await this.#findGroupByName(group));
      if (found !== undefined) return this.#linkGroup(found, group);
    }
    // Members are never sent here: they come as their own ops, chunked (and limited providers refuse them).
    const response = await this.#http.request('POST', 'Groups', {
      json: { schemas: [SCIM_GROUP_SCHEMA], displayName: group.displayName, externalId: group.externalId },
      findLanded: () => this.#findOwnGroup(group),
    });
    if (isSuccess(response)) return { appId: this.#http.parse(response, scimGroupSchema, action).id, adopted: false };
    if (response.status === 409) {
      const found = await this.#findGroupByName(group);
      if (found !== undefined) return this.#linkGroup(found, group);
    }
    throw this.#http.failure(response, action);
  }

  /**
   * A rename and member changes, each in the form the dialect says. A change of several parts on an app that takes
   * them all by PATCH goes as PATCHes of rename and members together; otherwise part by part, each learning from a
   * refused form (see `#write`).
   */
  async updateGroup(appId: string, changes: GroupChanges, options: UpdateGroupOptions = {}): Promise<void> {
    const { signal } = options;
    const dialect = await this.#dialect.get();
    const add = changes.addMemberIds ?? [];
    const remove = changes.removeMemberIds ?? [];
    const parts = [changes.displayName !== undefined, add.length > 0, remove.length > 0].filter(Boolean).length;
    const allPatch =
      dialect.groupRename === 'patch' &&
      dialect.memberAdd === 'patch' &&
      dialect.memberRemove === 'patch' &&
      dialect.memberRemoveByFilter;
    if (parts > 1 && allPatch) {
      for (const batch of groupPatchBatches(changes, dialect.maxMembersPerRequest)) {
        throwIfStopped(signal);
        const refused = await this.#patchGroup(appId, batch);
        if (refused !== undefined) throw this.#http.failure(refused, `update group ${appId}`);
      }
      return;
    }
    const { displayName } = changes;
    if (displayName !== undefined) {
      await this.#write('groupRename', 'group.rename', `rename group ${appId}`, (d) =>
        d.groupRename === 'put'
          ? this.#put('Groups', appId, (current) => groupForPut(current, { displayName }))
          : this.#send('Groups', appId, [{ op: 'replace', value: { displayName } }]),
      );
    }
    if (add.length > 0) {
      await this.#write('memberAdd', 'members.add', `add members to group ${appId}`, (d) =>
        d.memberAdd === 'put'
          ? this.#put('Groups', appId, (current) => groupForPut(current, { add }))
          : this.#inChunks(add, d, signal, (chunk) => this.#patchGroup(appId, { ...EMPTY_BATCH, addMemberIds: chunk })),
      );
    }
    if (remove.length > 0) {
      await this.#write('memberRemove', 'members.remove', `remove members from group ${appId}`, (d) =>
        d.memberRemove === 'put'
          ? this.#put('Groups', appId, (current) => groupForPut(current, { remove }))
          : this.#inChunks(remove, d, signal, (chunk) =>
              d.memberRemoveByFilter
                ? this.#patchGroup(appId, { ...EMPTY_BATCH, removeMemberIds: chunk })
                : this.#send('Groups', appId, memberRemovalByValueOperations(chunk)).then(refusalOf),
            ),
      );
    }
  }

  /** What the app's dialect rules out: its preset, `/ServiceProviderConfig`, `target.dialect`, its refusals. */
  async unsupported(op: Op): Promise<string | null> {
    return this.#dialect.unsupported(op.kind);
  }

  async deleteGroup(appId: string): Promise<void> {
    const reason = await this.#dialect.unsupported('group.delete');
    if (reason !== null) throw new TargetError('unsupported', reason);
    const response = await this.#http.request('DELETE', `Groups/${encodeURIComponent(appId)}`);
    // Already gone is what we wanted (a retried DELETE, or a deletion in the app).
    if (isSuccess(response) || response.status === 404) return;
    throw this.#http.failure(response, `delete group ${appId}`);
  }

  async #linkUser(found: ScimUser, user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    // Our externalId on it: our own earlier create, not an adoption (it got, or gets, its invite).
    if (found.externalId === user.externalId) return { appId: found.id, adopted: false };
    // Someone else's account (a recycled login, DESIGN "Adoption") is held, nothing written, unless an operator
    // approved this op; then the PATCH below links it and reactivates it (`active` is among our attributes).
    const { externalId, userName, email, displayName, active } = user;
    const hold = adoptionHold({
      incoming: { externalId, appId: null, userName, email, displayName, active },
      found: heldIdentityOf(found),
      linkedExternalId: options.linkedExternalIdOf?.(found.id),
    });
    if (hold !== null && options.adoptHeld !== true) throw new OpHeldError(hold);
    // Typed values (a work phone number) go by path, as in an update: the account's other numbers stay.
    const { whole, typed } = splitExtraAttributes(user.extra);
    const operations: ScimPatchOperation[] = [{ op: 'replace', value: userAttributes({ ...user, extra: whole }) }];
    const refused = await this.#patchUser(found.id, operations, typed);
    if (refused !== undefined) throw this.#http.failure(refused, `adopt user ${found.id}`);
    return { appId: found.id, adopted: true };
  }

  async #linkGroup(found: ScimGroup, group: GroupWrite): Promise<CreateResult> {
    if (found.externalId === group.externalId) return { appId: found.id, adopted: false };
    const dialect = await this.#dialect.get();
    // An app that cannot rename groups cannot take our externalId either: the link is dirsync's own (its app id).
    if (dialect.groupRename === 'none') return { appId: found.id, adopted: true };
    const value = { externalId: group.externalId, displayName: group.displayName };
    await this.#patch('Groups', found.id, [{ op: 'replace', value }], `adopt group ${found.id}`);
    // DESIGN: an adopted group's members are exactly the IdP group's members, which dirsync adds next. Members
    // put there by hand go; the group is read back because list answers may leave `members` out.
    const action = `read adopted group ${found.id}`;
    const response = await this.#http.request('GET', `Groups/${encodeURIComponent(found.id)}`);
    if (!isSuccess(response)) throw this.#http.failure(response, action);
    const members = (this.#http.parse(response, scimGroupSchema, action).members ?? []).map((member) => member.value);
    // Where the app removes no members, those put there by hand stay: nothing dirsync can do over SCIM.
    if (members.length > 0 && dialect.memberRemove !== 'none') {
      await this.updateGroup(found.id, { removeMemberIds: members });
    }
    return { appId: found.id, adopted: true };
  }

  /**
   * After a create whose answer was lost: the user it made, if it landed. Only our externalId proves it; a user
   * of that name without it is someone else's, left to the 409 of the next POST (adoption, as for any create).
   */
  async #findOwnUser(user: UserWrite): Promise<ScimUser | undefined> {
    const found = (await this.#findUserByExternalId(user)) ?? (await this.#findUserByName(user));
    return found?.externalId === user.externalId ? found : undefined;
  }

  /**
   * After a create whose answer was lost: the group it made, if it landed. Found by externalId, or by name with
   * our externalId or none (apps that do not keep a group's externalId); another externalId means another
   * tool's group, left to the 409 of the next POST.
   */
  async #findOwnGroup(group: GroupWrite): Promise<ScimGroup | undefined> {
    const found = (await this.#findGroupByExternalId(group)) ?? (await this.#findGroupByName(group));
    const externalId = found?.externalId;
    return externalId === undefined || externalId === null || externalId === group.externalId ? found : undefined;
  }

  #findUserByExternalId(user: UserWrite): Promise<ScimUser | undefined> {
    return this.#lookup.find({
      endpoint: 'Users',
      schema: scimUserSchema,
      attribute: 'externalId',
      value: user.externalId,
      read: (found) => found.externalId,
      caseExact: true,
      // Not worth a scan: the userName lookup that follows finds the same user and shows its externalId.
      scanIfUnsupported: false,
    });
  }

  #findUserByName(user: UserWrite): Promise<ScimUser | undefined> {
    return this.#lookup.find({
      endpoint: 'Users',
      schema: scimUserSchema,
      attribute: 'userName',
      value: user.userName,
      read: (found) => found.userName,
      caseExact: false,
      scanIfUnsupported: true,
    });
  }

  #findGroupByExternalId(group: GroupWrite): Promise<ScimGroup | undefined> {
    return this.#lookup.find({
      endpoint: 'Groups',
      schema: scimGroupSchema,
      attribute: 'externalId',
      value: group.externalId,
      read: (found) => found.externalId,
      caseExact: true,
      scanIfUnsupported: false,
    });
  }

  #findGroupByName(group: GroupWrite): Promise<ScimGroup | undefined> {
    return this.#lookup.find({
      endpoint: 'Groups',
      schema: scimGroupSchema,
      attribute: 'displayName',
      value: group.displayName,
      read: (found) => found.displayName,
      caseExact: false,
      scanIfUnsupported: true,
    });
  }

  /**
   * One group PATCH; the answer when it failed, `undefined` when done. A `noTarget` answer to a batch with removals
   * means a member to remove is not there any more (the op is re-run after a crash, or someone removed it in the
   * app); PATCH is atomic (RFC 7644 §3.5.2), so nothing was applied: send the rest of the batch, then each removal
   * alone, taking `noTarget` as done.
   */
  async #patchGroup(appId: string, batch: GroupPatchBatch): Promise<ScimHttpResponse | undefined> {
    const response = await this.#send('Groups', appId, groupPatchOperations(batch));
    if (isSuccess(response)) return undefined;
    if (!isNoTarget(response) || batch.removeMemberIds.length === 0) return response;
    const rest = groupPatchOperations({ ...batch, removeMemberIds: [] });
    if (rest.length > 0) {
      const refused = refusalOf(await this.#send('Groups', appId, rest));
      if (refused !== undefined) return refused;
    }
    for (const id of batch.removeMemberIds) {
      const removal = await this.#send(
        'Groups',
        appId,
        groupPatchOperations({ ...EMPTY_BATCH, removeMemberIds: [id] }),
      );
      if (!isSuccess(removal) && !isNoTarget(removal)) return removal;
    }
    return undefined;
  }

  /**
   * Sends one write in the form the dialect says; when the app refuses that form (400 `invalidPath` or
   * `invalidSyntax`, 405, 501), learns it and tries the next form the dialect allows, and when none is left throws
   * an `unsupported` TargetError: work for a person, not a failure on every run. Later ops of the kind are then
   * not attempted (`unsupported`).
   */
  async #write(
    write: ScimDialectWrite,
    kind: OpKind,
    action: string,
    send: (dialect: ScimDialect) => Promise<ScimHttpResponse | undefined>,
    /** Set when a refused form must not be learned (the request held more than the form): the failure's hint. */
    noLearning?: string,
  ): Promise<void> {
    let dialect = await this.#dialect.get();
    for (;;) {
      const reason = unsupportedReason(kind, dialect);
      if (reason !== null) throw new TargetError('unsupported', reason);
      const response = refusalOf(await send(dialect));
      if (response === undefined) return;
      if (!isFormRefused(response)) throw this.#http.failure(response, action);
      // A 405 or 501 refuses the method itself, whatever the body: that is still learned.
      if (noLearning !== undefined && response.status === 400) {
        const failure = this.#http.failure(response, action);
        throw new TargetError(failure.kind, `${failure.message}; ${noLearning}`, {
          ...(failure.status === undefined ? {} : { status: failure.status }),
          ...(failure.detail === undefined ? {} : { detail: failure.detail }),
        });
      }
      const status = scimTypeOf(response);
      const answer = `HTTP ${response.status}${status === undefined ? '' : ` ${status}`}`;
      dialect = await this.#dialect.learn(write, answer);
    }
  }

  /** Member changes in requests of at most `maxMembersPerRequest`; the first failed answer, or `undefined`. */
  async #inChunks(
    ids: readonly string[],
    dialect: ScimDialect,
    signal: AbortSignal | undefined,
    send: (chunk: readonly string[]) => Promise<ScimHttpResponse | undefined>,
  ): Promise<ScimHttpResponse | undefined> {
    for (let start = 0; start < ids.length; start += dialect.maxMembersPerRequest) {
      throwIfStopped(signal);
      const refused = await send(ids.slice(start, start + dialect.maxMembersPerRequest));
      if (refused !== undefined) return refused;
    }
    return undefined;
  }

  /** A user PATCH with the policy's typed values by path, and the fallbacks of `patchUser` for them. */
  #patchUser(
    appId: string,
    operations: readonly ScimPatchOperation[],
    typed: ExtraAttributeChanges,
  ): Promise<ScimHttpResponse | undefined> {
    const path = `Users/${encodeURIComponent(appId)}`;
    return patchUser(
      {
        send: (patch) => this.#send('Users', appId, patch),
        read: async () => {
          const response = await this.#http.request('GET', path);
          if (!isSuccess(response)) return { refused: response };
          const action = `read user ${appId}`;
          this.#http.parse(response, scimUserSchema, action);
          return { user: this.#http.parse(response, RAW_RESOURCE, action) };
        },
      },
      operations,
      typed,
    );
  }

  /**
   * A PUT of the whole resource as the app has it now, changed by `change` (RFC 7644 §3.5.1: attributes left out of
   * a PUT are cleared, so it is read back first).
   */
  async #put(
    endpoint: 'Users' | 'Groups',
    id: string,
    change: (current: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<ScimHttpResponse> {
    const path = `${endpoint}/${encodeURIComponent(id)}`;
    const current = await this.#http.request('GET', path);
    if (!isSuccess(current)) return current;
    const action = `read ${endpoint === 'Users' ? 'user' : 'group'} ${id}`;
    // Checked as the resource expected, but sent back as the app wrote it (parsing normalizes some values).
    if (endpoint === 'Users') this.#http.parse(current, scimUserSchema, action);
    else this.#http.parse(current, scimGroupSchema, action);
    const resource = this.#http.parse(current, RAW_RESOURCE, action);
    // Its answer is left whole: a PUT is a fallback, once per op (not per chunk), and apps that refuse PATCH
    // answer a PUT of what they do not take with 501, which would cost a second PUT to tell from a refused parameter.
    return this.#http.request('PUT', path, { json: change(resource) });
  }

  async #patch(
    endpoint: 'Users' | 'Groups',
    id: string,
    operations: ScimPatchOperation[],
    action: string,
  ): Promise<void> {
    const response = await this.#send(endpoint, id, operations);
    if (!isSuccess(response)) throw this.#http.failure(response, action);
  }

  async #send(endpoint: 'Users' | 'Groups', id: string, operations: ScimPatchOperation[]): Promise<ScimHttpResponse> {
    if (!(await this.#capabilities.get()).patchSupported) {
      throw new TargetError(
        'unsupported',
        `${this.#http.displayUrl} says in /ServiceProviderConfig that it does not support PATCH, which dirsync ` +
          'needs to update users and groups (RFC 7644 §3.5.2): make this change by hand, or enable PATCH in the ' +
          'app’s SCIM settings',
      );
    }
    const path = `${endpoint}/${encodeURIComponent(id)}`;
    const json = patchRequest(operations);
    const patch = (query: Readonly<Record<string, string>>) => this.#http.request('PATCH', path, { json, query });
    // Nothing is read from a group PATCH's answer but its status: the group comes back without its members.
    return endpoint === 'Groups' ? requestWithoutMembers(this.#dialect, patch) : patch({});
  }
}

/** An app account as an adoption hold names it: its primary e-mail, else its first. */
function heldIdentityOf(found: ScimUser): HeldIdentity {
  const emails = found.emails ?? [];
  const email = (emails.find((entry) => entry.primary === true) ?? emails[0])?.value ?? '';
  return {
    externalId: found.externalId ?? null,
    appId: found.id,
    userName: found.userName,
    email,
    displayName: found.displayName ?? '',
    active: found.active,
  };
}

const EMPTY_BATCH: GroupPatchBatch = { displayName: undefined, addMemberIds: [], removeMemberIds: [] };

const RAW_RESOURCE = z.record(z.string(), z.unknown());
