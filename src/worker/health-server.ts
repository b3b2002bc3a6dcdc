import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyncMetrics } from './metrics.js';

export interface HealthServerOptions {
  /** 0 picks a free port; the bound one is returned. */
  readonly port: number;
  /** Default `0.0.0.0`. */
  readonly host?: string;
  /** Named readiness checks (`redis`, `database`), run concurrently on each `GET /healthz`. */
  readonly checks: Readonly<Record<string, () => Promise<void>>>;
  readonly metrics: SyncMetrics;
  /** Per check; a check still pending after it counts as failed. Default 2000. */
  readonly timeoutMs?: number;
}

export interface HealthServer {
  /** The bound port (the chosen one when `port` was 0). */
  readonly port: number;
  /** Stops listening, drops idle keep-alive connections and waits for in-flight requests. */
  close(): Promise<void>;
}

/**
 * Serves `GET /healthz` (200 `{"status":"ok","checks":{…}}`, or 503 `{"status":"unavailable",…}` naming
 * each failed check as `error: <message>`, credentials stripped) and `GET /metrics` (Prometheus text);
 * anything else is 404.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const server = createServer((request, response) => {
    void handle(request, response, options, timeoutMs);
  });
  await listen(server, options.port, options.host ?? '0.0.0.0');
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: HealthServerOptions,
  timeoutMs: number,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  try {
    if (request.method === 'GET' && path === '/healthz') {
      const { healthy, checks } = await runChecks(options.checks, timeoutMs);
      send(response, healthy ? 200 : 503, 'application/json; charset=utf-8', {
        status: healthy ? 'ok' : 'unavailable',
        checks,
      });
    } else if (request.method === 'GET' && path === '/metrics') {
      const { registry } = options.metrics;
      send(response, 200, registry.contentType, await registry.metrics());
    } else {
      send(response, 404, 'application/json; charset=utf-8', { error: 'not found' });
    }
  } catch (error) {
    if (!response.headersSent) {
      send(response, 500, 'application/json; charset=utf-8', { error: describe(error) });
    } else {
      response.destroy();
    }
  }
}

async function runChecks(
  checks: Readonly<Record<string, () => Promise<void>>>,
  timeoutMs: number,
): Promise<{ healthy: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
      try {
        // `then` also catches a check that throws instead of rejecting.
        await withTimeout(
          Promise.resolve().then(check),
          timeoutMs,
          () => new Error(`no answer within ${timeoutMs} ms`),
        );
        return [name, 'ok'];
      } catch (error) {
        return [name, `error: ${describe(error)}`];
      }
    }),
  );
  return { healthy: results.every(([, result]) => result === 'ok'), checks: Object.fromEntries(results) };
}

function send(response: ServerResponse, status: number, contentType: string, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

// `redis://user:secret@host` → `redis://***@host`: drivers put the connection URL in their messages.
const URL_CREDENTIALS = /\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#]*@/gi;

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(URL_CREDENTIALS, '$1***@');
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(onTimeout());
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
