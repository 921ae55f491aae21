import { toHonkerError } from '../errors/sqlite-error.ts'
import type { Statement } from '../sql/statement.ts'
import type { Executor } from './executor.ts'
import type { SqliteConnection, SqliteStatement } from '../connection/sqlite-connection.ts'

/**
 * Runs statements on one better-sqlite3 connection, preparing each `Statement` once per
 * connection: preparing costs more than running the claim or ack itself.
 */
export class BetterSqlite3Executor implements Executor<'sync'> {
  readonly mode = 'sync' as const
  readonly connection: SqliteConnection
  readonly #prepared = new Map<Statement, SqliteStatement>()
  readonly #preparedInserts = new Map<Statement, SqliteStatement>()
  readonly #preparedRaw = new Map<Statement, SqliteStatement>()

  constructor(connection: SqliteConnection) {
    this.connection = connection
  }

  prepare(stmt: Statement): SqliteStatement {
    let prepared = this.#prepared.get(stmt)
    if (prepared === undefined) {
      try {
        prepared = this.connection.prepare(stmt.text)
      } catch (error) {
        throw toHonkerError(error)
      }
      this.#prepared.set(stmt, prepared)
    }
    return prepared
  }

  all<Row>(stmt: Statement, params: readonly unknown[]): Row[] {
    const prepared = this.prepare(stmt)
    try {
      return prepared.all(...params) as Row[]
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  get<Row>(stmt: Statement, params: readonly unknown[]): Row | undefined {
    const prepared = this.prepare(stmt)
    try {
      return prepared.get(...params) as Row | undefined
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  /**
   * Rows as arrays in SELECT order (better-sqlite3's raw mode): for bulk reads such as stream
   * replay, skipping a keyed object per row is a measurable share of the cost.
   */
  allRaw<Row extends unknown[]>(stmt: Statement, params: readonly unknown[]): Row[] {
    let prepared = this.#preparedRaw.get(stmt)
    try {
      if (prepared === undefined) {
        prepared = this.connection.prepare(stmt.text).raw(true)
        this.#preparedRaw.set(stmt, prepared)
      }
      return prepared.all(...params) as Row[]
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  insert(stmt: Statement, params: readonly unknown[]): number {
    let prepared = this.#preparedInserts.get(stmt)
    try {
      if (prepared === undefined) {
        prepared = this.connection.prepare(stmt.insertText!)
        this.#preparedInserts.set(stmt, prepared)
      }
      return Number(prepared.run(...params).lastInsertRowid)
    } catch (error) {
      throw toHonkerError(error)
    }
  }

  run(stmt: Statement, params: readonly unknown[]): { changes: number } {
    const prepared = this.prepare(stmt)
    try {
      return prepared.run(...params)
    } catch (error) {
      throw toHonkerError(error)
    }
  }
}
