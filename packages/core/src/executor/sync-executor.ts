import { toHonkerError } from '../errors/sqlite-error.ts'
import type { DriverConnection, DriverStatement } from '../driver/driver.ts'
import type { Statement } from '../sql/statement.ts'
import type { Executor } from './executor.ts'

/**
 * Runs statements on one synchronous driver connection (better-sqlite3, node:sqlite, bun:sqlite),
 * preparing each `Statement` once per connection: preparing costs more than running the claim or
 * ack itself.
 */
export class SyncExecutor implements Executor<'sync'> {
  readonly mode = 'sync' as const
  readonly connection: DriverConnection
  readonly #prepared = new Map<Statement, DriverStatement>()
  readonly #preparedInserts = new Map<Statement, DriverStatement>()

  constructor(connection: DriverConnection) {
    this.connection = connection
  }

  #prepare(stmt: Statement, cache: Map<Statement, DriverStatement>, text: string): DriverStatement {
    let prepared = cache.get(stmt)
    if (prepared === undefined) {
      prepared = this.connection.prepare(text)
      cache.set(stmt, prepared)
    }
    return prepared
  }

  all<Row>(stmt: Statement, params: readonly unknown[]): Row[] {
    try {
      return this.#prepare(stmt, this.#prepared, stmt.text).all(params) as Row[]
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  get<Row>(stmt: Statement, params: readonly unknown[]): Row | undefined {
    try {
      return this.#prepare(stmt, this.#prepared, stmt.text).get(params) as Row | undefined
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  /**
   * Rows as arrays in SELECT order: for bulk reads such as stream replay, skipping a keyed object
   * per row is a measurable share of the cost.
   */
  allRaw<Row extends unknown[]>(stmt: Statement, params: readonly unknown[]): Row[] {
    try {
      return this.#prepare(stmt, this.#prepared, stmt.text).values(params) as Row[]
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  insert(stmt: Statement, params: readonly unknown[]): number {
    try {
      return this.#prepare(stmt, this.#preparedInserts, stmt.insertText!).run(params).lastInsertRowid
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  insertIfNew(stmt: Statement, params: readonly unknown[]): number | undefined {
    try {
      const result = this.#prepare(stmt, this.#preparedInserts, stmt.insertText!).run(params)
      // lastInsertRowid is the connection's last insert, stale when this one inserted nothing.
      return result.changes === 0 ? undefined : result.lastInsertRowid
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  run(stmt: Statement, params: readonly unknown[]): { changes: number } {
    try {
      return this.#prepare(stmt, this.#prepared, stmt.text).run(params)
    } catch (error) {
      throw toHonkerError(error)
    }
  }
}
