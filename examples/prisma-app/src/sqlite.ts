import { enqueue, publish } from '@honker/prisma'
import type { PrismaClient } from '../generated/prisma/client.ts'
import { EMAIL_QUEUE, ORDER_EVENTS, type EmailJob } from './db.ts'

export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError'
}

export interface NewOrder {
  customer: string
  email: string
  totalCents: number
  /** Simulates a payment provider refusing the card after the rows were written. */
  declineCard?: boolean
}

/**
 * Checkout: the order, its confirmation-email row, the job that sends it and an `order.placed`
 * event on the orders stream, in one transaction. If anything throws before the callback
 * returns, none of them exists.
 */
export async function placeOrder(prisma: PrismaClient, order: NewOrder): Promise<{ orderId: number; emailId: number; jobId: number }> {
  return prisma.$transaction(async (tx) => {
    const row = await tx.order.create({ data: { customer: order.customer, totalCents: order.totalCents } })
    const email = await tx.email.create({ data: { orderId: row.id, to: order.email } })
    const job: EmailJob = { emailId: email.id }
    const jobId = await enqueue(tx, EMAIL_QUEUE, job, { maxAttempts: 2 })
    await publish(tx, ORDER_EVENTS, { type: 'order.placed', orderId: row.id, totalCents: order.totalCents }, { key: `order-${row.id}` })
    if (order.declineCard === true) throw new PaymentDeclinedError(`card declined for ${order.customer}`)
    return { orderId: row.id, emailId: email.id, jobId }
  })
}
