import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely'

/**
 * `SqliteDialect` whose transactions begin with `BEGIN IMMEDIATE` instead of Kysely's deferred
 * `begin`: the write lock is taken (waiting up to `busy_timeout`) before the callback runs, so a
 * transaction that reads and then writes can no longer fail with SQLITE_BUSY when another
 * connection wrote in between. Kysely offers no other way: its SQLite driver ignores
 * `setIsolationLevel`/`setAccessMode`, and controlled transactions send the same `begin`.
 * Read-only transactions then queue behind writers too; keep them outside `db.transaction()`.
 *
 * ```ts
 * const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) })
 * ```
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}
