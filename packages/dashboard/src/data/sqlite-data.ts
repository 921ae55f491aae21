import type { Database } from '@honker/core'
import type { DriverConnection, DriverStatement } from '@honker/core/adapter'
import type { HonkerApi, SqlReader } from './honker-api.ts'
import { SqlDashboardData } from './sql-data.ts'

/** How long the list of honker's tables and columns is kept (it changes only when a migration runs). */
const TABLES_TTL_MS = 1000

/**
 * Read-only SQL on the Database's own connection, of whatever driver it was opened with
 * (better-sqlite3, node:sqlite, bun:sqlite, libsql). Core has no public read-query method, so
 * this uses the connection behind `db.executor`; it only ever runs SELECTs.
 */
class SqliteReader implements SqlReader {
  readonly #db: Database
  readonly #prepared = new Map<string, DriverStatement>()
  #tables: { at: number; value: Map<string, Set<string>> } | null = null
  #deadIndexed: { at: number; value: boolean } | null = null

  constructor(db: Database) {
    this.#db = db
  }

  get #connection(): DriverConnection {
    this.#db.assertOpen()
    return this.#db.executor.connection
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    let statement = this.#prepared.get(sql)
    if (statement === undefined) {
      statement = this.#connection.prepare(sql)
      this.#prepared.set(sql, statement)
    }
    this.#db.assertOpen()
    return statement.all(params)
  }

  table(name: string): string {
    return name
  }

  async deadIndexed(): Promise<boolean> {
    const now = Date.now()
    if (this.#deadIndexed !== null && now - this.#deadIndexed.at < TABLES_TTL_MS) return this.#deadIndexed.value
    const value = this.#findDeadIndex()
    this.#deadIndexed = { at: now, value }
    return value
  }

  #findDeadIndex(): boolean {
    const indexes = this.#connection.prepare(`SELECT name FROM pragma_index_list('_honker_dead')`).all()
    for (const index of indexes) {
      const first = this.#connection.prepare(`SELECT name FROM pragma_index_info(?) WHERE seqno = 0`).get([String(index.name)])
      if (first?.name === 'queue') return true
    }
    return false
  }

  async tables(): Promise<Map<string, Set<string>>> {
    const now = Date.now()
    if (this.#tables !== null && now - this.#tables.at < TABLES_TTL_MS) return this.#tables.value
    const value = new Map<string, Set<string>>()
    const names = this.#connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_honker\\_%' ESCAPE '\\'`).all()
    for (const row of names) {
      const name = String(row.name)
      const columns = this.#connection.prepare(`SELECT name FROM pragma_table_info(?)`).all([name])
      value.set(name, new Set(columns.map((column) => String(column.name))))
    }
    this.#tables = { at: now, value }
    return value
  }
}

/** The dashboard's data on a SQLite file opened with `@honker/core`'s `open()`. */
export function sqliteData(db: Database): SqlDashboardData {
  return new SqlDashboardData({
    engine: 'sqlite',
    label: db.path,
    api: db as unknown as HonkerApi,
    reader: new SqliteReader(db),
    now: async () => Math.floor(Date.now() / 1000),
    watch(onCommit, onError) {
      // The commit watcher (PRAGMA data_version) wakes the subscription on every commit to the
      // file from any connection or process; a burst of commits coalesces into one wake.
      const subscription = db.subscribe()
      let stopped = false
      void (async () => {
        while (!stopped) {
          try {
            const result = await subscription.wait()
            if (stopped) return
            if (result === 'wake') onCommit()
          } catch (error) {
            if (!stopped) onError(error instanceof Error ? error : new Error(String(error)))
            return
          }
        }
      })()
      return () => {
        stopped = true
        subscription.close()
      }
    },
  })
}
