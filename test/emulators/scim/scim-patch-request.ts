import { ScimError } from './scim-error.js';
import { isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type ScimPatchOperationName = 'add' | 'replace' | 'remove';

export interface ScimPatchOperation {
  readonly op: ScimPatchOperationName;
  readonly path: string | undefined;
  readonly value: JsonValue | undefined;
}

/** Reads a PatchOp message (RFC 7644 §3.5.2); a malformed one is a 400 `invalidSyntax`. */
export function parseScimPatchRequest(body: JsonValue): ScimPatchOperation[] {
  if (!isJsonObject(body)) throw syntax('The body must be a JSON object');
  const schemas = member(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((entry) => entry === PATCH_OP_SCHEMA)) {
    throw syntax(`"schemas" must contain "${PATCH_OP_SCHEMA}"`);
  }
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw syntax('"Operations" must be a non-empty array');
  }
  return operations.map((operation, index) => parseOperation(operation, index));
}

function parseOperation(operation: JsonValue, index: number): ScimPatchOperation {
  if (!isJsonObject(operation)) throw syntax(`Operations[${index}] must be an object`);
  const op = member(operation, 'op');
  // Case-insensitive: Entra ID sends "Replace" and "Add", and attribute-like keywords are case-insensitive in SCIM.
  const name = typeof op === 'string' ? op.toLowerCase() : undefined;
  if (name !== 'add' && name !== 'replace' && name !== 'remove') {
    throw syntax(`Operations[${index}].op must be "add", "replace" or "remove"`);
  }
  const path = member(operation, 'path');
  if (path !== undefined && typeof path !== 'string') {
    throw ScimError.badRequest('invalidPath', `Operations[${index}].path must be a string`);
  }
  return { op: name, path, value: member(operation, 'value') };
}

/** Message attribute names are case-insensitive too (RFC 7643 §2.1). */
function member(object: JsonObject, name: string): JsonValue | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}

function syntax(detail: string): ScimError {
  return ScimError.badRequest('invalidSyntax', detail);
}
