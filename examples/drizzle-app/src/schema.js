// The app's Drizzle schema: its own tables, plus Honker's `_honker_*` tables re-exported so
// drizzle-kit puts them in the app's migrations and queries on them are typed.
import { sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export * from '@honker/drizzle/schema'

export const orders = sqliteTable('orders', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  customer: text('customer').notNull(),
  email: text('email').notNull(),
  totalCents: integer('total_cents').notNull(),
  /** placed -> emailed */
  status: text('status').notNull().default('placed'),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch())`),
})

/** Emails "sent" by the workers: one per order, enforced by the unique order_id. */
export const emails = sqliteTable('emails', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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
