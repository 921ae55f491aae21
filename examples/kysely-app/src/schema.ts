import type { Generated } from 'kysely'
import type { HonkerTables } from '@honker/kysely'

/** Whole unix seconds: `integer` on SQLite; `bigint` on PostgreSQL, which node-postgres reads as a string. */
type UnixSeconds = Generated<number | string>

export interface OrdersTable {
  id: Generated<number>
  customer: string
  email: string
  total_cents: number
  status: Generated<'placed' | 'emailed'>
  created_at: UnixSeconds
}

/** One row per confirmation email actually sent; `order_id` is unique, so a re-run job cannot send twice. */
export interface EmailsTable {
  id: Generated<number>
  order_id: number
  recipient: string
  subject: string
  sent_by: string
  sent_at: UnixSeconds
}

/**
 * The app's tables, plus Honker's for typed reads (`_honker_live`, `_honker_dead`, ...); on
 * PostgreSQL those live in schema `honker` (`db.withSchema(HONKER_SCHEMA)`, src/db.ts).
 */
export type Tables = {
  orders: OrdersTable
  emails: EmailsTable
} & HonkerTables

export const EMAIL_QUEUE = 'emails'

/** The payload of a confirmation-email job (stored as JSON text). */
export interface EmailJob {
  orderId: number
  to: string
}
