import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './database.js';
import { PerDialectCache } from './per-dialect-cache.js';

/** Where a statement's value goes: a named value, or the `index`th of a named list. */
interface Slot {
  readonly name: string;
  readonly index: number | null;
}

/** Makes the stand-ins a statement is built with: `value('now')`, `list('ids')` (as long as this call's list). */
export interface Slots<Values> {
  value<K extends keyof Values & string>(name: K): Values[K];
  list<K extends keyof Values & string>(name: K): Values[K] extends readonly (infer Item)[] ? Item[] : never;
}

type ListLengths<Values> = { readonly [K in keyof Values]?: number };

/**
 * A statement built and compiled by Kysely once per dialect and list length, then run with each call's values: the
 * hot statements of an apply (marks, applied marks, invite records) ran hundreds of thousands of times, and Kysely
 * builds and compiles its tree anew each time. It is built with stand-ins where the values go, and each stand-in's
 * place among the compiled parameters says which value to bind there; constants of the statement stay as compiled.
 */
export class CompiledStatement<Values extends object, Row = never> {
  readonly #build: (db: Kysely<Database>, slots: Slots<Values>) => Compilable<Row>;
  /** The lengths of the lists a call binds (an `IN (…)`): one compilation per combination. */
  readonly #listLengths: (values: Values) => ListLengths<Values>;
  readonly #compiled = new PerDialectCache<string, Compiled>();

  constructor(
    build: (db: Kysely<Database>, slots: Slots<Values>) => Compilable<Row>,
    listLengths: (values: Values) => ListLengths<Values> = () => ({}),
  ) {
    this.#build = build;
    this.#listLengths = listLengths;
  }

  /** Runs the statement on `db` (a transaction or the database) with `values`. */
  async execute(db: Kysely<Database>, values: Values): Promise<QueryResult<Row>> {
    const lengths = this.#listLengths(values);
    const compiled = this.#compiledFor(db, lengths);
    const named = values as Readonly<Record<string, unknown>>;
    const parameters = compiled.parameters.map((parameter) => {
      if (!(parameter instanceof SlotMark)) return parameter;
      const value = named[parameter.slot.name];
      return parameter.slot.index === null ? value : (value as readonly unknown[])[parameter.slot.index];
    });
    return db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
  }

  #compiledFor(db: Kysely<Database>, lengths: ListLengths<Values>): Compiled {
    // The lengths in the order the statement's function lists them: the same order on every call.
    const shape = Object.values(lengths).join(',');
    return this.#compiled.get(db, shape, () => this.#compile(db, lengths));
  }

  #compile(db: Kysely<Database>, lengths: ListLengths<Values>): Compiled {
    const slots: Slots<Values> = {
      value: (name) => new SlotMark({ name, index: null }) as never,
      list: (name) => {
        const length = lengths[name];
        if (length === undefined) throw new Error(`bug: the list ${name} has no length for this statement`);
        return Array.from({ length }, (_, index) => new SlotMark({ name, index })) as never;
      },
    };
    const query = this.#build(db, slots).compile();
    return { sql: query.sql, parameters: query.parameters };
  }
}

interface Compiled {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** A stand-in value: Kysely passes it through as a parameter, so its place in the compiled list is its slot's. */
class SlotMark {
  constructor(readonly slot: Slot) {}
}
