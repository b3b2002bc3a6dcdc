import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { ScimMethod } from './scim-http.js';

/** One HTTP request as the SCIM target puts it on the wire. */
export interface ScimWireRequest {
  readonly method: ScimMethod;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** No answer within this long (headers, or a stall in the body): the attempt fails with a timeout. */
  readonly timeoutMs: number;
}

export interface ScimWireResponse {
  readonly status: number;
  /** A response header by lower-case name; `undefined` when absent. */
  header(name: string): string | undefined;
  readonly text: string;
}

/**
 * Sends one request and reads the whole answer. Rejects only when no answer came: connection refused or dropped,
 * timeout (an undici error with a `code`, see `wire-failure.ts`). Tests wrap it (`ScimTargetConfig.wrapSend`).
 */
export type ScimSend = (request: ScimWireRequest) => Promise<ScimWireResponse>;

// One pool of keep-alive connections per origin for every SCIM target of the process, as fetch's global dispatcher
// did. `request` rather than `fetch`: no WHATWG Request/Response/streams per call, a third of the CPU per request.
// undici is required on the first request, not at start: a run with nothing to write (a no-op) never loads it
// (~85 ms of a start).
let undici: typeof Undici | undefined;
let agent: Undici.Agent | undefined;

/** The real sender: undici `request`, no redirects followed (DESIGN "Safety → Outbound requests"). */
export const sendOverUndici: ScimSend = async (wire) => {
  undici ??= createRequire(import.meta.url)('undici') as typeof Undici;
  agent ??= new undici.Agent({ keepAliveTimeout: 4_000 });
  const response = await undici.request(wire.url, {
    dispatcher: agent,
    method: wire.method,
    headers: wire.headers,
    body: wire.body ?? null,
    headersTimeout: wire.timeoutMs,
    bodyTimeout: wire.timeoutMs,
    maxRedirections: 0,
  });
  const text = await response.body.text();
  const headers = response.headers;
  return {
    status: response.statusCode,
    header: (name) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    text,
  };
};
