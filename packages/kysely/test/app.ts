import Sqlite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect, type Dialect, type Generated, type KyselyPlugin, type Migration } from 'kysely'
import { honkerMigration } from '../src/index.ts'

/** The test app's own tables. */
export interface AppTables {
  orders: { id: Generated<number>; note: string | null }
}

export const ordersMigration: Migration = {
  up: async (db) => {
    await db.schema
      .createTable('orders')
      .addColumn('id', 'integer', (column) => column.primaryKey())
      .addColumn('note', 'text')
      .execute()
  },
  down: async (db) => {
    await db.schema.dropTable('orders').execute()
  },
}

export interface App {
  sqlite: Sqlite.Database
  db: Kysely<AppTables>
  migrator: Migrator
}

/**
 * An app the way the docs set one up: its own better-sqlite3 handle (WAL, busy_timeout), Kysely on
 * it, and a Migrator whose history holds the Honker migration next to the app's own.
 */
export function openApp(
  file: string,
  options: { plugins?: KyselyPlugin[]; dialect?: (sqlite: Sqlite.Database) => Dialect } = {},
): App {
  const sqlite = new Sqlite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  const dialect = options.dialect?.(sqlite) ?? new SqliteDialect({ database: sqlite })
  const db = new Kysely<AppTables>({ dialect, plugins: options.plugins ?? [] })
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ '0000_honker': honkerMigration, '0001_orders': ordersMigration }) },
  })
  return { sqlite, db, migrator }
}

/** Migrate, throwing the first migration error instead of returning it. */
export async function migrateToLatest(migrator: Migrator): Promise<void> {
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) throw error
}
