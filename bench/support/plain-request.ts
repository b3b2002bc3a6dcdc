import type { Agent as HttpAgent } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';

export interface PlainAnswer {
  readonly status: number;
  readonly body: string;
  readonly bytes: number;
}

export interface PlainRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** False: count the answer's bytes and throw them away (no string built); default true. */
  readonly keepBody?: boolean;
}

/**
 * One request with plain `node:http`/`node:https` and nothing else (no SDK, no retries, no parsing): what a floor
 * is made of. The agent decides keep-alive and the sockets; the body is read to its end.
 */
export function plainRequest(
  agent: HttpAgent | HttpsAgent,
  url: string,
  options: PlainRequestOptions = {},
): Promise<PlainAnswer> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  const keepBody = options.keepBody ?? true;
  return new Promise((resolve, reject) => {
    const req = send(url, { agent, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody) chunks.push(chunk);
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
