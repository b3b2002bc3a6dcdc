import { z } from 'zod';

const entraErrorSchema = z.looseObject({ error_description: z.string() });

/**
 * MSAL reports an authority it cannot use (e.g. an unknown tenant) as `endpoints_resolution_error`, dropping the
 * AADSTS code Entra answered with. This asks the tenant's OpenID discovery document once more, on that failure
 * only, and returns Entra's `AADSTS…` description, or undefined when there is none to tell.
 */
export async function diagnoseAuthority(authorityHost: string, tenantId: string): Promise<string | undefined> {
  const url = `${authorityHost}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (response.ok) return undefined;
    const parsed = entraErrorSchema.safeParse(await response.json());
    if (!parsed.success || !parsed.data.error_description.startsWith('AADSTS')) return undefined;
    return parsed.data.error_description;
  } catch {
    return undefined;
  }
}
