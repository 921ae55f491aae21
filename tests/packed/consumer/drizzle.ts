// @honker/drizzle in a Drizzle app on better-sqlite3.
import Sqlite from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { eq } from 'drizzle-orm'
import { createHonker, enqueue, honkerIfNotExists, notify, publish, saveOffset } from '@honker/drizzle'
import { honkerLive, honkerSchema } from '@honker/drizzle/schema'
import type { Database } from '@honker/core'

const orders = sqliteTable('orders', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  status: text('status').notNull(),
})

const db = drizzle(new Sqlite('app.db'), { schema: { orders, ...honkerSchema } })
const jobId: number = db.transaction((tx) => {
  const order = tx.insert(orders).values({ status: 'new' }).returning().get()
  tx.update(orders).set({ status: 'paid' }).where(eq(orders.id, order.id)).run()
  notify(tx, 'orders', { id: order.id })
  const offset: number = publish(tx, 'orders', { id: order.id }, { key: `order-${order.id}` })
  saveOffset(tx, 'billing', 'orders', offset)
  return enqueue(tx, 'emails', { orderId: order.id }, { priority: 5 })
})
const pending = db.select().from(honkerLive).where(eq(honkerLive.queue, 'emails')).all()
const honker: Database = createHonker({ db })
honker.queue<{ orderId: number }>('emails').work(async (job) => console.log(job.payload.orderId, jobId, pending.length))
console.log(honkerIfNotExists('CREATE TABLE `_honker_live` (id integer);'))
