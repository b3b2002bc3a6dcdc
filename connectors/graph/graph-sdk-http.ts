import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { TokenCredential } from '@azure/identity';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { ConnectorError } from '../connector-error.js';
import type { RateBudget, RefillRate } from '../rate-budget.js';
import { credentialOf, GRAPH_SCOPE } from './graph-credential.js';
import type { GraphConfig } from './graph-config.js';
import type { GraphHttp, GraphRequestEvent } from './graph-http.js';
import { graphLink } from './graph-link.js';
import { GraphRateGate, graphRateKey } from './graph-rate-gate.js';
import { GraphSameOriginRedirects, refusedRedirect } from './graph-same-origin-redirects.js';

const GRAPH_PUBLIC_HOST = 'graph.microsoft.com';
/** The SDK's default base delay when no `Retry-After` is sent (its constant is private). */
const SDK_DEFAULT_DELAY_SECONDS = 3;
/** The status codes the client's `RetryHandler` retries (with `Retry-After` when the server sends one). */
const THROTTLED = new Set([429, 503, 504]);

export interface GraphSdkHttpOptions {
  readonly onRequest?: (event: GraphRequestEvent) => void;
  /** Retries of a throttled request by the client's retry middleware; default 3 (the SDK's default). */
  readonly maxRetries?: number;
  /** Where the identity budget of the app and tenant is counted; default this process alone. */
  readonly rateBudget?: RateBudget;
  /** The identity budget; default `GRAPH_IDENTITY_RATE` (a small tenant's). */
  readonly identityRate?: RefillRate;
  /**
   * The credential whose token the requests carry, when the caller already holds one (`dirsync check` asks it for a
   * token first): its cached token is reused instead of a second credential asking for another. Default a new one.
   */
  readonly credential?: TokenCredential;
}

/**
 * `GraphHttp` over the real `@microsoft/microsoft-graph-client` with an `@azure/identity` credential. The chain is
 * the SDK's default one (auth → retry → redirect → telemetry → fetch), its redirect step kept within GRAPH_BASE_URL's
 * origin, with the rate gate (`GraphRateGate`) and an observer right before the fetch, so every attempt, retries
 * included, is paced and `onRequest` sees it. Only the SDK retries: no second layer on top.
 *
 * The token goes only to GRAPH_BASE_URL's origin (DESIGN "Safety → Outbound requests"): the SDK attaches it to any
 * URL whose host name is a Graph host or a custom host, whatever the port or scheme, so an absolute URL on another
 * origin is refused before the client sees it, and redirects are followed only within the origin.
 */
export function createGraphSdkHttp(config: GraphConfig, options: GraphSdkHttpOptions = {}): GraphHttp {
  const base = new URL(config.graphBaseUrl);
  const host = base.hostname;
  const middleware: Middleware[] = [
    new AuthenticationHandler(
      new TokenCredentialAuthenticationProvider(options.credential ?? credentialOf(config), { scopes: [GRAPH_SCOPE] }),
    ),
    new RetryHandler(new RetryHandlerOptions(SDK_DEFAULT_DELAY_SECONDS, options.maxRetries ?? 3)),
    new GraphSameOriginRedirects(config.graphBaseUrl),
    new TelemetryHandler(),
    new GraphRateGate({
      key: graphRateKey(config.tenantId, config.clientId),
      ...(options.rateBudget === undefined ? {} : { budget: options.rateBudget }),
      ...(options.identityRate === undefined ? {} : { rate: options.identityRate }),
    }),
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
      const link = graphLink(url, config.graphBaseUrl);
      if (link === undefined || link.origin !== base.origin) {
        throw new ConnectorError(
          'bad_response',
          `dirsync refused to send the Graph token to ${link?.shown ?? 'an unreadable URL'}: only GRAPH_BASE_URL's ` +
            `origin (${base.origin}) receives it`,
        );
      }
      let request = client.api(url);
      for (const [name, value] of Object.entries(headers)) request = request.header(name, value);
      try {
        return (await request.get()) as unknown;
      } catch (error) {
        throw refusedRedirect(error) ?? error;
      }
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
