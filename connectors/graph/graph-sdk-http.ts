import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { credentialOf } from './graph-credential.js';
import type { GraphConfig } from './graph-config.js';
import type { GraphHttp, GraphRequestEvent } from './graph-http.js';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const GRAPH_PUBLIC_HOST = 'graph.microsoft.com';
/** The SDK's default base delay when no `Retry-After` is sent (its constant is private). */
const SDK_DEFAULT_DELAY_SECONDS = 3;
/** The status codes the client's `RetryHandler` retries (with `Retry-After` when the server sends one). */
const THROTTLED = new Set([429, 503, 504]);

export interface GraphSdkHttpOptions {
  readonly onRequest?: (event: GraphRequestEvent) => void;
  /** Retries of a throttled request by the client's retry middleware; default 3 (the SDK's default). */
  readonly maxRetries?: number;
}

/**
 * `GraphHttp` over the real `@microsoft/microsoft-graph-client` with an `@azure/identity` credential. The chain is
 * the SDK's default one (auth → retry → redirect → telemetry → fetch) with an observer right before the fetch, so
 * `onRequest` sees every attempt, retries included. Only the SDK retries: no second layer on top.
 */
export function createGraphSdkHttp(config: GraphConfig, options: GraphSdkHttpOptions = {}): GraphHttp {
  const base = new URL(config.graphBaseUrl);
  const host = base.hostname;
  const middleware: Middleware[] = [
    new AuthenticationHandler(
      new TokenCredentialAuthenticationProvider(credentialOf(config), { scopes: [GRAPH_SCOPE] }),
    ),
    new RetryHandler(new RetryHandlerOptions(SDK_DEFAULT_DELAY_SECONDS, options.maxRetries ?? 3)),
    new RedirectHandler(new RedirectHandlerOptions()),
    new TelemetryHandler(),
    observer(options.onRequest),
    new HTTPMessageHandler(),
  ];
  const client = Client.initWithMiddleware({
    middleware,
    // The client appends `defaultVersion` to `baseUrl` itself: give it the origin and the version apart.
    baseUrl: base.origin,
    defaultVersion: base.pathname.replace(/^\/+|\/+$/g, ''),
    // The bearer token is attached only for hosts the client knows; a custom host is a hostname without port.
    ...(host === GRAPH_PUBLIC_HOST ? {} : { customHosts: new Set([host]) }),
  });
  return {
    async get(url, headers = {}) {
      let request = client.api(url);
      for (const [name, value] of Object.entries(headers)) request = request.header(name, value);
      return (await request.get()) as unknown;
    },
  };
}

function observer(onRequest: ((event: GraphRequestEvent) => void) | undefined): Middleware {
  let next: Middleware | undefined;
  return {
    async execute(context: Context): Promise<void> {
      if (next === undefined) throw new Error('graph observer middleware has no next middleware');
      try {
        await next.execute(context);
      } catch (error) {
        onRequest?.({ status: undefined, throttled: false });
        throw error;
      }
      const status = context.response?.status;
      onRequest?.({ status, throttled: status !== undefined && THROTTLED.has(status) });
    },
    setNext(middleware: Middleware): void {
      next = middleware;
    },
  };
}
