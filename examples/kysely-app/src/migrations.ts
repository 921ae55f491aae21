import { Migrator, type Kysely, type Migration } from 'kysely'
import { honkerMigration } from '@honker/kysely'
import { columns } from './db.js'

const createOrders: Migration = {
  async up(db) {
    await db.schema
      .createTable('orders')
      .addColumn('id', columns.id, (column) => column.primaryKey())
      .addColumn('customer', 'text', (column) => column.notNull())
      .addColumn('email', 'text', (column) => column.notNull())
      .addColumn('total_cents', 'integer', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull().defaultTo('placed'))
      .addColumn('created_at', columns.unixSeconds, (column) => column.notNull().defaultTo(columns.now))
      .execute()
  },
  async down(db) {
    await db.schema.dropTable('orders').execute()
  },
}

const createEmails: Migration = {
  async up(db) {
    await db.schema
      .createTable('emails')
      .addColumn('id', columns.id, (column) => column.primaryKey())
      .addColumn('order_id', 'integer', (column) => column.notNull().unique().references('orders.id'))
      .addColumn('recipient', 'text', (column) => column.notNull())
      .addColumn('subject', 'text', (column) => column.notNull())
      .addColumn('sent_by', 'text', (column) => column.notNull())
      .addColumn('sent_at', columns.unixSeconds, (column) => column.notNull().defaultTo(columns.now))
      .execute()
  },
  async down(db) {
    await db.schema.dropTable('emails').execute()
  },
}

/**
 * The app's migration history. The Honker tables come first, as an ordinary entry: Kysely records
 * it in `kysely_migration`, and Honker's own open() then finds nothing left to do. On PostgreSQL,
 * `honkerMigration` creates schema `honker` and its tables inside the Migrator's transaction.
 */
export const migrations: Record<string, Migration> = {
  '2026_01_01_000_honker': honkerMigration,
  '2026_01_01_001_orders': createOrders,
  '2026_01_01_002_emails': createEmails,
}

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } })
}
