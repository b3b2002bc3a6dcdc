/** Where the mirror lives, parsed from `DATABASE_URL`. */
export type DatabaseLocation =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly connectionString: string; readonly schema: string | null };

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

/**
 * `sqlite:<path>` (also `sqlite://<path>`, `sqlite::memory:`) or `postgres://…` / `postgresql://…`. A
 * `schema` query parameter on a PostgreSQL URL selects the schema (tests isolate each file that way).
 * Errors name the scheme only: a URL may carry a password.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new DatabaseUrlError('DATABASE_URL=sqlite: needs a file path, e.g. sqlite:./dirsync.db');
    return { dialect: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DatabaseUrlError('DATABASE_URL is not a valid postgres:// URL (postgres://user:pass@host:5432/db)');
    }
    const schema = parsed.searchParams.get('schema');
    parsed.searchParams.delete('schema');
    return { dialect: 'postgres', connectionString: parsed.toString(), schema };
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
  throw new DatabaseUrlError(
    `DATABASE_URL must start with sqlite: or postgres://, got scheme ${scheme} — e.g. DATABASE_URL=sqlite:./dirsync.db`,
  );
}

/** The URL with any password replaced, for logs and `status`. */
export function describeDatabase(location: DatabaseLocation): string {
  if (location.dialect === 'sqlite') return `sqlite:${location.path}`;
  const url = new URL(location.connectionString);
  if (url.password !== '') url.password = '***';
  return url.toString() + (location.schema === null ? '' : ` (schema ${location.schema})`);
}
