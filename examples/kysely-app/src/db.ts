import Sqlite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Tables } from './schema.js'

/**
 * The app's own better-sqlite3 handle and Kysely on top of it. Keep the handle: `createHonker`
 * needs it, because Kysely never exposes the connection it was given.
 */
export function openDatabase(file: string): { sqlite: Sqlite.Database; db: Kysely<Tables> } {
  const sqlite = new Sqlite(file)
  sqlite.pragma('journal_mode = WAL') // workers read while the app writes
  sqlite.pragma('busy_timeout = 5000') // wait for other processes' short write transactions
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) })
  return { sqlite, db }
}
