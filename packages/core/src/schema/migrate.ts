import { toHonkerError } from '../errors/sqlite-error.ts'
import { MIGRATIONS, type Migration } from '../generated/migrations.ts'
import { immediateTransaction } from '../connection/immediate-transaction.ts'
import type { DriverConnection } from '../driver/driver.ts'
import { wrapHandle, type SqliteHandle } from '../driver/resolve.ts'

/**
 * Versioned, forward-only schema migration, run on open.
 *
 * The ledger is Honker's own table: `PRAGMA user_version` belongs to the application. Everything
 * runs in one `BEGIN IMMEDIATE`, so two processes opening a new file at once serialise on the write
 * lock and the second finds nothing to do. Every statement is `IF NOT EXISTS`, so a file that
 * honker itself (or an ORM migration carrying the same DDL) created first migrates cleanly.
 */
export const MIGRATIONS_TABLE = '_honker_ts_migrations'

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL DEFAULT (unixepoch())
)`

/** The newest schema version this copy of Honker knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length

export interface MigrationReport {
  readonly applied: readonly number[]
}

export function migrate(connection: DriverConnection): MigrationReport {
  try {
    // Read-only fast path: opening an up-to-date file takes no write lock.
    if (appliedVersion(connection) >= LATEST_SCHEMA_VERSION) return { applied: [] }
    return immediateTransaction(connection, () => applyPending(connection))
  } catch (error) {
    throw toHonkerError(error)
  }
}

function appliedVersion(connection: DriverConnection): number {
  const exists = connection.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get([MIGRATIONS_TABLE])
  if (exists === undefined) return 0
  return Number(connection.prepare(`SELECT coalesce(max(version), 0) FROM ${MIGRATIONS_TABLE}`).values()[0]![0])
}

function applyPending(connection: DriverConnection): MigrationReport {
  connection.exec(LEDGER_DDL)
  const done = new Set(
    connection.prepare(`SELECT version FROM ${MIGRATIONS_TABLE}`).values().map((row) => Number(row[0])),
  )
  const applied: number[] = []
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue
    apply(connection, migration)
    applied.push(migration.version)
  }
  return { applied }
}

function apply(connection: DriverConnection, migration: Migration): void {
  connection.exec(withoutExistingColumns(connection, migration.sql))
  if (migration.version === 1) addLegacySchedulerColumns(connection)
  connection
    .prepare(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES (?, ?)`)
    .run([migration.version, migration.name])
}

const ADD_COLUMN = /^ALTER TABLE (\w+) ADD COLUMN (\w+)\b[^;]*;$/gm

/**
 * SQLite has no `ADD COLUMN IF NOT EXISTS`, and an ORM's migration (drizzle-kit, Prisma) may have
 * added Honker's new columns before `open()` ran: drop each `ALTER TABLE t ADD COLUMN c ...;`
 * line whose column is already there, so the migration applies in either order.
 */
function withoutExistingColumns(connection: DriverConnection, sql: string): string {
  return sql.replace(ADD_COLUMN, (statement, table: string, column: string) => {
    const found = connection.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get([table, column])
    return found === undefined ? statement : `-- ${column} exists already`
  })
}

/**
 * honker files from before its scheduler gained `enabled` and `max_attempts` have the table without
 * them; `CREATE TABLE IF NOT EXISTS` leaves such a table alone, so add the columns the way honker's
 * own bootstrap does (docs/compatibility.md 1.4).
 */
function addLegacySchedulerColumns(connection: DriverConnection): void {
  const columns = new Set(
    connection.prepare(`SELECT name FROM pragma_table_info('_honker_scheduler_tasks')`).values().map((row) => String(row[0])),
  )
  if (!columns.has('enabled')) {
    connection.exec(`ALTER TABLE _honker_scheduler_tasks ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1`)
  }
  if (!columns.has('max_attempts')) {
    connection.exec(`ALTER TABLE _honker_scheduler_tasks ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3`)
  }
}

/** Migrate through an app's own handle (better-sqlite3, node:sqlite or bun:sqlite). */
export function migrateHandle(handle: SqliteHandle): MigrationReport {
  return migrate(wrapHandle(handle))
}
