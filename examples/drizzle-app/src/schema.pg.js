// The app's Drizzle schema on PostgreSQL (HONKER_ENGINE=postgres): the same two tables as
// src/schema.js, as pgTables. Honker's tables are not here: they live in their own schema
// (`honker`), created by honkerMigrate(db) from @honker/drizzle/pg, outside drizzle-kit's
// migrations (drizzle.pg.config.js keeps drizzle-kit to schema `public`).
import { sql } from 'drizzle-orm'
import { bigint, integer, pgTable, text } from 'drizzle-orm/pg-core'

export const orders = pgTable('orders', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  customer: text('customer').notNull(),
  email: text('email').notNull(),
  totalCents: integer('total_cents').notNull(),
  /** placed -> emailed */
  status: text('status').notNull().default('placed'),
  /** Whole unix seconds, as on SQLite. */
  createdAt: bigint('created_at', { mode: 'number' }).notNull().default(sql`extract(epoch from now())::bigint`),
})

/** Emails "sent" by the workers: one per order, enforced by the unique order_id. */
export const emails = pgTable('emails', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  orderId: integer('order_id')
    .notNull()
    .unique()
    .references(() => orders.id),
  to: text('to').notNull(),
  subject: text('subject').notNull(),
  /** Which worker process sent it, and on which attempt. */
  sentBy: text('sent_by').notNull(),
  attempt: integer('attempt').notNull(),
})
