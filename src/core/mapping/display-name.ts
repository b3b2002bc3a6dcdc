/** The IdP's display name, else "given family", else the login (so no app user is ever nameless). */
export function displayNameOf(
  idpDisplayName: string | null | undefined,
  givenName: string,
  familyName: string,
  login: string,
): string {
  const own = idpDisplayName?.trim();
  if (own) return own;
  const composed = [givenName.trim(), familyName.trim()].filter((part) => part !== '').join(' ');
  return composed === '' ? login : composed;
}
