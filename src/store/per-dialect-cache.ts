import type { DialectAdapter, Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * What is compiled once per dialect and shape (`MultiRowInsert`, `CompiledStatement`): SQL texts differ between
 * PostgreSQL and SQLite (`$1` and `?`), and one process may hold both (the tests do).
 */
export class PerDialectCache<Key, Value> {
  readonly #byAdapter = new WeakMap<DialectAdapter, Map<Key, Value>>();

  /** The value for `key` on `db`'s dialect, made by `make` the first time. */
  get(db: Kysely<Database>, key: Key, make: () => Value): Value {
    const adapter = db.getExecutor().adapter;
    let byKey = this.#byAdapter.get(adapter);
    if (byKey === undefined) this.#byAdapter.set(adapter, (byKey = new Map<Key, Value>()));
    const known = byKey.get(key);
    if (known !== undefined) return known;
    const value = make();
    byKey.set(key, value);
    return value;
  }
}
