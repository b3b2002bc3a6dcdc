import type { ExtraAttributeChanges } from '../../core/model/extra-attributes.js';
import { isNoTarget, isPathRefused, isSuccess, refusalOf } from './scim-answer.js';
import { typedValueChanges, typedValueListsReplace } from './scim-extra-attributes.js';
import type { ScimHttpResponse } from './scim-http.js';
import type { ScimPatchOperation } from './scim-patch-operations.js';

/** The slice of the SCIM target a user PATCH needs, for one user. */
export interface ScimUserPatchIo {
  send(operations: ScimPatchOperation[]): Promise<ScimHttpResponse>;
  /** The user as the app holds it now, or the answer that refused to read it. */
  read(): Promise<{ readonly user: Readonly<Record<string, unknown>> } | { readonly refused: ScimHttpResponse }>;
}

/**
 * One user PATCH: `operations` (each a `replace` without a path) and the typed values of `typed`
 * (`phoneNumbers[type eq "work"].value`) by path, in one request. Returns the answer that failed, or `undefined`
 * once done. Where the app answers to a typed value:
 * - `noTarget` (the person has no such value yet, or one to clear is gone already): PATCH is atomic (RFC 7644
 *   §3.5.2), so nothing was applied. The rest goes alone, then each typed value alone: a value missing is added to
 *   its list (`TypedValueChange.addition`), a value to clear that is missing is what was wanted.
 * - `invalidPath`/`invalidSyntax` (an app that takes no path, as limited ones answer): the user is read back and
 *   each list sent whole, its other values kept, by a `replace` without a path. Should that be refused too, the
 *   answer goes back to the caller, whose dialect then moves on (PUT, or the op is unsupported).
 */
export async function patchUser(
  io: ScimUserPatchIo,
  operations: readonly ScimPatchOperation[],
  typed: ExtraAttributeChanges,
): Promise<ScimHttpResponse | undefined> {
  const changes = typedValueChanges(typed);
  const response = await io.send([...operations, ...changes.flatMap((change) => change.operations)]);
  if (isSuccess(response)) return undefined;
  if (changes.length === 0) return response;
  if (isNoTarget(response)) {
    if (operations.length > 0) {
      const refused = refusalOf(await io.send([...operations]));
      if (refused !== undefined) return refused;
    }
    for (const change of changes) {
      const answer = await io.send([...change.operations]);
      if (isSuccess(answer) || (isNoTarget(answer) && change.addition === undefined)) continue;
      if (!isNoTarget(answer) || change.addition === undefined) return answer;
      const refused = refusalOf(await io.send([change.addition]));
      if (refused !== undefined) return refused;
    }
    return undefined;
  }
  if (!isPathRefused(response)) return response;
  const current = await io.read();
  if ('refused' in current) return current.refused;
  return refusalOf(await io.send([...operations, typedValueListsReplace(current.user, typed)]));
}
