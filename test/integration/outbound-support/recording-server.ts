import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createThrowawayCa } from '../../emulators/tls/throwaway-ca.js';
import type { ThrowawayCa } from '../../emulators/tls/throwaway-ca.js';

/** One request the server received. What it carried is summed up, not kept: credentials never reach test output. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /** Whether it carried an `Authorization` header. */
  readonly authorized: boolean;
  /** Bytes of its body (a re-posted SCIM resource, a token request's client assertion…). */
  readonly bodyBytes: number;
}

export interface RecordingServerOptions {
  /** HTTPS with a certificate of its own throwaway CA (trust `caPem`), or plain HTTP. */
  readonly tls: boolean;
  /** What every request is answered; default 200 `{}`. A plausible answer makes a followed leak visible. */
  readonly answer?: (request: RecordedRequest, origin: string) => { status: number; body: unknown };
}

/**
 * A server on another loopback port, standing for "another origin": it records every request it receives, so a
 * test can prove that credentials (or personal data) never reached it. The client under test must trust its CA,
 * or a leak would fail in the TLS handshake and the test would prove nothing.
 */
export class RecordingServer {
  private constructor(
    private readonly server: HttpServer,
    readonly origin: string,
    private readonly ca: ThrowawayCa | undefined,
    readonly requests: RecordedRequest[],
  ) {}

  static async start(options: RecordingServerOptions): Promise<RecordingServer> {
    const ca = options.tls ? createThrowawayCa() : undefined;
    const scheme = ca === undefined ? 'http' : 'https';
    const requests: RecordedRequest[] = [];
    const handler = (request: IncomingMessage, response: ServerResponse): void => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const recorded: RecordedRequest = {
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          authorized: request.headers.authorization !== undefined,
          bodyBytes: Buffer.concat(chunks).length,
        };
        requests.push(recorded);
        const origin = `${scheme}://127.0.0.1:${String(request.socket.localPort)}`;
        const answer = options.answer?.(recorded, origin) ?? { status: 200, body: {} };
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    };
    const server =
      ca === undefined ? createHttpServer(handler) : createHttpsServer({ key: ca.key, cert: ca.cert }, handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new RecordingServer(server, `${scheme}://127.0.0.1:${port}`, ca, requests);
  }

  /** The PEM of the CA its certificate chains to (HTTPS only). */
  get caPem(): string {
    if (this.ca === undefined) throw new Error('RecordingServer runs plain HTTP: it has no CA');
    return this.ca.caPem;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
    this.ca?.remove();
  }
}
