// The app's database: better-sqlite3 + Drizzle, migrated by drizzle-kit's migrations (which carry
// Honker's tables), and Honker on the same file for the worker side.
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { createHonker } from '@honker/drizzle'
import * as schema from './schema.js'

export const EMAIL_QUEUE = 'emails'
export const EMAIL_SENT_CHANNEL = 'email-sent'
export const ORDER_STREAM = 'orders'

const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url))

/**
 * Open the app's database file with Drizzle, and Honker on the same file.
 * @param {string} file
 * @param {{ migrate?: boolean }} [options] the main process migrates; workers start after it
 */
export function openApp(file, options = {}) {
  const sqlite = new BetterSqlite3(file, { timeout: 5000 }) // busy_timeout: three processes take turns writing
  sqlite.pragma('journal_mode = WAL') // readers never block the writer
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  const db = drizzle({ client: sqlite, schema })
  // Drizzle's migrations first: they create the app's tables and Honker's. createHonker() then
  // finds Honker's tables in place and only records its own ledger.
  if (options.migrate) migrate(db, { migrationsFolder })
  const honker = createHonker({ db })
  return {
    db,
    honker,
    close() {
      honker.close()
      sqlite.close()
    },
  }
}
