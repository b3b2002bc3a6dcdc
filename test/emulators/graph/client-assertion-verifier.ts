import { X509Certificate, constants, createHash, verify } from 'node:crypto';
import { z } from 'zod';

const headerSchema = z.object({ alg: z.string(), x5t: z.string().optional(), 'x5t#S256': z.string().optional() });
const claimsSchema = z.object({
  aud: z.string(),
  iss: z.string(),
  sub: z.string(),
  exp: z.number(),
  nbf: z.number().optional(),
});

/**
 * Checks a certificate credential's client assertion the way Entra documents it
 * (https://learn.microsoft.com/entra/identity-platform/certificate-credentials): a JWT whose header names the
 * registered certificate by `x5t` (SHA-1 thumbprint) or `x5t#S256` (SHA-256), signed RS256 or PS256 with its key,
 * with `iss` = `sub` = the client id, `aud` = the token endpoint, and not expired.
 * Returns undefined when valid, else the reason.
 */
export function verifyClientAssertion(
  assertion: string,
  expected: {
    readonly clientId: string;
    readonly audience: string;
    readonly certificatePem: string;
    readonly now: Date;
  },
): string | undefined {
  const parts = assertion.split('.');
  const [headerPart, payloadPart, signaturePart] = parts;
  if (parts.length !== 3 || headerPart === undefined || payloadPart === undefined || signaturePart === undefined) {
    return 'The assertion is not a JWT.';
  }
  const header = headerSchema.safeParse(decodePart(headerPart));
  const claims = claimsSchema.safeParse(decodePart(payloadPart));
  if (!header.success || !claims.success) return 'The assertion header or claims are malformed.';
  const certificate = new X509Certificate(expected.certificatePem);
  const sha1 = createHash('sha1').update(certificate.raw).digest('base64url');
  const sha256 = createHash('sha256').update(certificate.raw).digest('base64url');
  if (header.data['x5t#S256'] !== sha256 && header.data.x5t !== sha1) {
    return `Key was not found. No certificate with thumbprint '${header.data['x5t#S256'] ?? header.data.x5t ?? ''}' is registered for app '${expected.clientId}'.`;
  }
  const data = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  let valid: boolean;
  if (header.data.alg === 'RS256') {
    valid = verify('sha256', data, certificate.publicKey, signature);
  } else if (header.data.alg === 'PS256') {
    valid = verify(
      'sha256',
      data,
      {
        key: certificate.publicKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_AUTO,
      },
      signature,
    );
  } else {
    return `Unsupported signing algorithm '${header.data.alg}'.`;
  }
  if (!valid) return 'The signature does not match the registered certificate.';
  const now = Math.floor(expected.now.getTime() / 1000);
  const { aud, iss, sub, exp } = claims.data;
  if (iss !== expected.clientId || sub !== expected.clientId) return 'The iss and sub claims must be the client id.';
  if (aud !== expected.audience) return `The aud claim must be '${expected.audience}'.`;
  if (exp < now) return 'The assertion is expired.';
  return undefined;
}

function decodePart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
