import { z } from 'zod';
import type { OktaFetchResponse } from './okta-http.js';
import { redirectLocation } from '../../src/core/redirect-location.js';

/** Why the org refused the service app an access token (`POST /oauth2/v1/token`), or redirected the request. */
export interface OktaTokenRefusal {
  readonly status: number;
  /** Okta's `error` and `error_description`, e.g. `invalid_scope: The following scopes are not granted: …`. */
  readonly reason: string | undefined;
  /** A redirect's target (origin and path), which is refused: credentials go only to the org. */
  readonly location?: string | undefined;
}

const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * Remembers the last refused token request. The SDK (v8 `oauth.js`) loses that answer: it never checks the token
 * response's status and sends the API request with `Bearer undefined`, so only a 401 of the API reaches us.
 */
export class OktaTokenRefusalWatch {
  #last: OktaTokenRefusal | undefined;

  get last(): OktaTokenRefusal | undefined {
    return this.#last;
  }

  observe(response: OktaFetchResponse): void {
    if (!new URL(response.url).pathname.endsWith('/oauth2/v1/token')) return;
    if (response.status < 300) {
      this.#last = undefined;
      return;
    }
    if (response.status < 400) {
      const location = redirectLocation(response.headers.get('location'), response.url);
      this.#last = { status: response.status, reason: undefined, location };
      return;
    }
    const refusal = { status: response.status, reason: undefined };
    this.#last = refusal;
    if (!isCloneable(response)) return;
    // Read a copy: the SDK reads the original body itself.
    response
      .clone()
      .json()
      .then((body: unknown) => {
        const parsed = oauthErrorSchema.safeParse(body);
        if (parsed.success && this.#last === refusal) {
          const { error, error_description: description } = parsed.data;
          this.#last = {
            status: refusal.status,
            reason: description === undefined ? error : `${error}: ${description}`,
          };
        }
      })
      .catch(() => undefined);
  }
}

function isCloneable(response: OktaFetchResponse): response is OktaFetchResponse & { clone(): OktaFetchResponse } {
  return 'clone' in response && typeof response.clone === 'function';
}
