import type { Generated } from 'kysely'
import type { HonkerTables } from '@honker/kysely'

export interface OrdersTable {
  id: Generated<number>
  customer: string
  email: string
  total_cents: number
  status: Generated<'placed' | 'emailed'>
  created_at: Generated<number>
}

/** One row per confirmation email actually sent; `order_id` is unique, so a re-run job cannot send twice. */
export interface EmailsTable {
  id: Generated<number>
  order_id: number
  recipient: string
  subject: string
  sent_by: string
  sent_at: Generated<number>
}

/** The app's tables, plus Honker's for typed reads (`_honker_live`, `_honker_dead`, ...). */
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
