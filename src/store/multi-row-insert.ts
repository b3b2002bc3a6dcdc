import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { PerDialectCache } from './per-dialect-cache.js';

/**
 * One multi-row INSERT (a table, its columns in a fixed order, a conflict clause), compiled by Kysely once per row
 * count and dialect, then run with each batch's values. Kysely parses every value of every row into its query tree
 * and compiles the tree again for each statement: at 100 000 users that was seconds of a first sync's CPU spent
 * making SQL texts that were all alike (the outbox's, the mirror's and the app state's batches).
 */
export class MultiRowInsert<Row extends object> {
  readonly #columns: readonly (keyof Row & string)[];
  readonly #statement: (db: Kysely<Database>, rows: readonly Row[]) => Compilable;
  /** The SQL by dialect and row count. */
  readonly #sql = new PerDialectCache<number, string>();

  /**
   * @param columns every column the rows give, in the order their values are bound
   * @param statement the INSERT of `rows` (each row has exactly `columns`), e.g. with its ON CONFLICT clause
   */
  constructor(
    columns: readonly (keyof Row & string)[],
    statement: (db: Kysely<Database>, rows: readonly Row[]) => Compilable,
  ) {
    this.#columns = columns;
    this.#statement = statement;
  }

  /** Inserts `rows` with one statement on `db` (a transaction or the database); nothing for no rows. */
  async execute(db: Kysely<Database>, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const sql = this.#sql.get(db, rows.length, () => this.#compile(db, rows.length));
    const parameters = new Array<unknown>(rows.length * this.#columns.length);
    let index = 0;
    for (const row of rows) for (const column of this.#columns) parameters[index++] = row[column];
    await db.executeQuery(CompiledQuery.raw(sql, parameters));
  }

  #compile(db: Kysely<Database>, count: number): string {
    // Compiled with each value's own place as the value: that the parameters come back as 0, 1, 2, … shows that
    // they are bound row by row in `columns` order, which `execute` relies on.
    const width = this.#columns.length;
    const rows = Array.from(
      { length: count },
      (_, row) => Object.fromEntries(this.#columns.map((column, at) => [column, row * width + at])) as Row,
    );
    const compiled = this.#statement(db, rows).compile();
    if (compiled.parameters.length !== count * width || compiled.parameters.some((value, at) => value !== at)) {
      throw new Error(`bug: a multi-row insert does not bind its values row by row: ${compiled.sql.slice(0, 80)}`);
    }
    return compiled.sql;
  }
}
