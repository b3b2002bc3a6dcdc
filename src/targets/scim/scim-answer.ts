import type { ScimHttpResponse } from './scim-http.js';
import { scimErrorSchema } from './scim-schemas.js';

// How the target reads an app's answer to a write (RFC 7644 §3.12 error bodies).

export function isSuccess(response: ScimHttpResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

/** `undefined` for a success, else the answer. */
export function refusalOf(response: ScimHttpResponse | undefined): ScimHttpResponse | undefined {
  return response === undefined || isSuccess(response) ? undefined : response;
}

// The answers of an app to a form of request it does not take (RFC 7644 §3.12): not a problem with the data.
const FORM_REFUSALS: ReadonlySet<string> = new Set(['invalidPath', 'invalidSyntax']);

/** The app does not take this form of request (a PATCH path, a method): 400 `invalidPath`/`invalidSyntax`, 405, 501. */
export function isFormRefused(response: ScimHttpResponse): boolean {
  return response.status === 405 || response.status === 501 || isPathRefused(response);
}

/** The app took the method but not what the request says in it: 400 `invalidPath` or `invalidSyntax`. */
export function isPathRefused(response: ScimHttpResponse): boolean {
  const scimType = scimTypeOf(response);
  return response.status === 400 && scimType !== undefined && FORM_REFUSALS.has(scimType);
}

/** 400 `noTarget`: a PATCH path selects nothing (a member, a typed value that is not there). */
export function isNoTarget(response: ScimHttpResponse): boolean {
  return response.status === 400 && scimTypeOf(response) === 'noTarget';
}

export function scimTypeOf(response: ScimHttpResponse): string | undefined {
  const scimType = scimErrorSchema.safeParse(response.body).data?.scimType;
  return typeof scimType === 'string' ? scimType : undefined;
}
