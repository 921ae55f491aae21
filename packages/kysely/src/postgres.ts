import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely'
import { HonkerError } from '@honker/core'
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
      let result
      try {
        result = await plain.executeQuery(CompiledQuery.raw(text, values))
      } catch (error) {
        // Kysely refuses a transaction that has ended; nothing was sent.
        if (/Transaction is already (committed|rolled back)/.test((error as Error)?.message ?? '')) {
          throw new HonkerError('transaction_closed', `${(error as Error).message}: pass the trx of a transaction that is still open`, { cause: error })
        }
        throw error
      }
      const affected = result.numAffectedRows
      return { rows: result.rows as Row[], rowCount: affected === undefined ? result.rows.length : Number(affected) }
    },
  }
}
