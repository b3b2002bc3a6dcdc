import type { JsonObject } from './scim-json.js';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The `scimType` values of RFC 7644 §3.12, table 9. */
export type ScimErrorType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** A failure the emulator answers with an RFC 7644 §3.12 error body. */
export class ScimError extends Error {
  override readonly name = 'ScimError';

  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorType,
    /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
  }

  static badRequest(scimType: ScimErrorType, detail: string): ScimError {
    return new ScimError(400, detail, scimType);
  }

  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }

  /** `status` is a string in the body (RFC 7644 §3.12: "The HTTP status code ... expressed as a JSON string"). */
  toBody(): JsonObject {
    const body: JsonObject = { schemas: [SCIM_ERROR_SCHEMA], status: String(this.status), detail: this.detail };
    if (this.scimType !== undefined) body['scimType'] = this.scimType;
    return body;
  }
}

/** The error a failure is answered with: a thrown `ScimError` as it is, anything else as a 500 (an emulator bug). */
export function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  return new ScimError(500, `Emulator bug: ${error instanceof Error ? error.message : String(error)}`);
}
