import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely'
import type { PgQueryable } from '@honker/postgres/adapter'

/**
 * Whether a Kysely instance or transaction runs on PostgreSQL. Kysely keeps the dialect's adapter
 * on its executor; a second copy of kysely in the app fails `instanceof`, so the name is checked too.
 */
export function isPostgres(db: Kysely<any>): boolean {
  const adapter = (db as unknown as { getExecutor?: () => { adapter?: object } }).getExecutor?.().adapter
  return adapter instanceof PostgresAdapter || adapter?.constructor?.name === 'PostgresAdapter'
}

/**
 * Kysely's transaction as the query runner `@honker/postgres` writes through: the statement runs
 * on the transaction's connection, so it commits or rolls back with it. `withoutPlugins()`: a
 * `CamelCasePlugin` must not rename Honker's columns.
 */
export function queryableOf(db: Kysely<any>): PgQueryable {
  const plain = db.withoutPlugins()
  return {
    async query<Row>({ text, values = [] }: { text: string; values?: unknown[] }) {
      const result = await plain.executeQuery(CompiledQuery.raw(text, values))
      const affected = result.numAffectedRows
      return { rows: result.rows as Row[], rowCount: affected === undefined ? result.rows.length : Number(affected) }
    },
  }
}
