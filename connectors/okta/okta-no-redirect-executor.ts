import { RequestExecutor } from './okta-sdk-parts.js';

type SdkRequest = Parameters<RequestExecutor['fetch']>[0];

/**
 * Sends every request of the SDK (API reads, OAuth token requests, the SDK's own 429 retries) through `inner` with
 * `redirect: 'manual'`. node-fetch follows redirects by default and keeps the `Authorization` header whenever the
 * host name stays the same, so a redirect to another port or scheme of the org's host would receive the SSWS token
 * (and a 307 of the token request would re-post the signed client assertion anywhere). A 3xx comes back as the
 * answer instead, and `classifyOktaFailure` names its `Location`. Events stay on `inner`, where callers listen.
 */
export class OktaNoRedirectExecutor extends RequestExecutor {
  constructor(private readonly inner: RequestExecutor) {
    super();
  }

  override fetch(request: SdkRequest): ReturnType<RequestExecutor['fetch']> {
    // In place, as the SDK writes into its request objects: its retries copy them, `redirect` included. (The SDK's
    // type of the request leaves out node-fetch's options, whose types are not installed.)
    return this.inner.fetch(Object.assign(request, { redirect: 'manual' }));
  }
}
