import type { Kysely } from 'kysely'
import { enqueue } from '@honker/kysely'
import { EMAIL_QUEUE, type EmailJob, type Tables } from './schema.js'

export class CardDeclinedError extends Error {
  override name = 'CardDeclinedError'
}

export interface OrderInput {
  customer: string
  email: string
  totalCents: number
  /** Stand-in for the payment provider's answer. */
  card: 'ok' | 'declined'
}

/**
 * Place an order: the order row and its confirmation-email job commit together or not at all.
 * The write comes first: Kysely begins SQLite transactions deferred, and one that reads before it
 * writes can fail with SQLITE_BUSY when another process wrote in between.
 */
export async function placeOrder(db: Kysely<Tables>, input: OrderInput): Promise<{ orderId: number; jobId: number }> {
  return db.transaction().execute(async (trx) => {
    const order = await trx
      .insertInto('orders')
      .values({ customer: input.customer, email: input.email, total_cents: input.totalCents })
      .returning('id')
      .executeTakeFirstOrThrow()
    const job: EmailJob = { orderId: order.id, to: input.email }
    const jobId = await enqueue(trx, EMAIL_QUEUE, job, { maxAttempts: 5 })
    if (input.card === 'declined') throw new CardDeclinedError(`card declined for ${input.customer}`) // rolls back both
    return { orderId: order.id, jobId }
  })
}
