import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { DatabaseClosedError, HonkerError, type SqliteHandle } from '@honker/core'
import { wrapHandle } from '@honker/core/adapter'

/** The parts of node:sqlite's `StatementSync` the wrapper uses (Node 22.16+ / 23.11+ for `columns`). */
interface NodeStatement {
  columns?(): unknown[]
  all(...parameters: unknown[]): unknown[]
  run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  iterate(...parameters: unknown[]): IterableIterator<unknown>
}

/** The parts of bun:sqlite's `Statement` the wrapper uses. */
interface BunStatement {
  readonly reader?: boolean
  readonly columnNames: string[]
  all(...parameters: unknown[]): unknown[]
  run(...parameters: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  iterate(...parameters: unknown[]): IterableIterator<unknown>
}

interface Preparer<S> {
  prepare(sql: string): S
  close(): void
}

/** The app's handle behind each wrapper, for `createHonker({ database })`. */
const handles = new WeakMap<object, SqliteHandle>()

/**
 * The database to give Kysely's `SqliteDialect` for a handle of any SQLite library Honker drives.
 * `SqliteDialect` expects better-sqlite3's shape: `prepare(sql)` returning a statement with a
 * `reader` flag whose `all`/`run`/`iterate` take the parameters as one array. A better-sqlite3
 * handle is returned as is, and so is a bun:sqlite one where Bun's statements have `reader` (Bun
 * 1.4 has); a node:sqlite `DatabaseSync` (whose statements take spread parameters and have no
 * `reader`) is wrapped, and needs `StatementSync#columns()` (Node 22.16+, 23.11+, 24).
 * `db.destroy()` closes the handle through the wrapper, as Kysely does with its own.
 *
 * ```ts
 * import { DatabaseSync } from 'node:sqlite'
 * const sqlite = new DatabaseSync('app.db')
 * const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqliteDatabaseFor(sqlite) }) })
 * const honker = createHonker({ db, database: sqlite })
 * ```
 */
export function sqliteDatabaseFor(handle: SqliteHandle): SqliteDatabase {
  // Throws invalid_argument for a non-handle, unsupported_driver for another library's.
  const connection = wrapHandle(handle)
  if (connection.driver.name === 'better-sqlite3') return handle as unknown as SqliteDatabase
  if (!connection.isOpen) throw new DatabaseClosedError(`database: the ${connection.driver.name} handle is closed`)
  const own = connection.handle
  const wrapped = connection.driver.name === 'node:sqlite' ? nodeSqliteDatabase(own as Preparer<NodeStatement>) : bunSqliteDatabase(own as Preparer<BunStatement>)
  if (wrapped !== own) handles.set(wrapped, handle)
  return wrapped
}

/** The app's own handle behind `database`, whether it is the handle or `sqliteDatabaseFor`'s wrapper. */
export function handleOf(database: SqliteHandle | SqliteDatabase): unknown {
  return handles.get(database) ?? database
}

function nodeSqliteDatabase(db: Preparer<NodeStatement>): SqliteDatabase {
  if (typeof db.prepare('SELECT 1').columns !== 'function') {
    throw new HonkerError(
      'unsupported_driver',
      "database: this node:sqlite has no StatementSync#columns(), which Kysely's SqliteDialect needs to tell reads from writes; use Node 22.16+, 23.11+ or 24",
    )
  }
  return {
    prepare(sql: string): SqliteStatement {
      const statement = db.prepare(sql)
      return {
        reader: statement.columns!().length > 0,
        all: (parameters) => statement.all(...parameters),
        run: (parameters) => statement.run(...parameters),
        iterate: (parameters) => statement.iterate(...parameters),
      }
    },
    close: () => db.close(),
  }
}

function bunSqliteDatabase(db: Preparer<BunStatement>): SqliteDatabase {
  if (typeof db.prepare('SELECT 1').reader === 'boolean') return db as unknown as SqliteDatabase
  // Older Bun: better-sqlite3's `reader` is "the statement returns columns".
  return {
    prepare(sql: string): SqliteStatement {
      const statement = db.prepare(sql)
      return {
        reader: statement.columnNames.length > 0,
        all: (parameters) => statement.all(...parameters),
        run: (parameters) => statement.run(...parameters),
        iterate: (parameters) => statement.iterate(...parameters),
      }
    },
    close: () => db.close(),
  }
}
