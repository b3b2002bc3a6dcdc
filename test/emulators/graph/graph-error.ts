import type { JsonObject } from './graph-json.js';

/**
 * A Graph error response: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`
 * (https://learn.microsoft.com/graph/errors).
 */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'GraphError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  body(requestId: string, clientRequestId: string, now: Date): JsonObject {
    return {
      error: {
        code: this.code,
        message: this.message,
        innerError: {
          date: now.toISOString().slice(0, 19),
          'request-id': requestId,
          'client-request-id': clientRequestId,
        },
      },
    };
  }
}
