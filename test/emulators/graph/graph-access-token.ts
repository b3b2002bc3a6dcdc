import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The claims Graph reads from an app-only access token. */
export interface GraphAccessTokenClaims {
  readonly aud: string;
  readonly iss: string;
  readonly tid: string;
  readonly appid: string;
  readonly roles: readonly string[];
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
}

const claimsSchema = z.object({
  aud: z.string(),
  iss: z.string(),
  tid: z.string(),
  appid: z.string(),
  roles: z.array(z.string()),
  iat: z.number(),
  nbf: z.number(),
  exp: z.number(),
});

/**
 * JWT-shaped access tokens like Entra's (`aud`, `tid`, `appid`, `roles`, `idtyp: app`), signed HS256 with a key of
 * this emulator: clients must treat them as opaque, and Graph here can tell its own tokens from forged ones.
 */
export class GraphAccessTokenSigner {
  readonly #key = randomBytes(32);

  issue(claims: Omit<GraphAccessTokenClaims, 'iss'>): string {
    const header = encode({ typ: 'JWT', alg: 'HS256' });
    const payload = encode({
      ...claims,
      iss: `https://sts.windows.net/${claims.tid}/`,
      azp: claims.appid,
      oid: randomUUID(),
      sub: claims.appid,
      idtyp: 'app',
      ver: '1.0',
    });
    return `${header}.${payload}.${this.#sign(`${header}.${payload}`)}`;
  }

  /** The claims of a token this signer issued, or undefined when it is malformed or forged (not checked: expiry). */
  verify(token: string): GraphAccessTokenClaims | undefined {
    const [header, payload, signature, ...rest] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) return undefined;
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  #sign(data: string): string {
    return createHmac('sha256', this.#key).update(data).digest('base64url');
  }
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
