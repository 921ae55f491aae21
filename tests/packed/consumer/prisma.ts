// @honker/prisma in a Prisma 7 app on @prisma/adapter-better-sqlite3. The generated client is per
// schema; this stands in for its `tx` with the structural type the package accepts.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import {
  createHonker,
  enqueue,
  notify,
  prismaSqliteDriver,
  publish,
  saveOffset,
  type PrismaTransactionLike,
} from '@honker/prisma'
import type { Database } from '@honker/core'

const url = 'file:./dev.db'
const adapter = new PrismaBetterSqlite3({ url })

declare const prisma: { $transaction<T>(fn: (tx: PrismaTransactionLike) => Promise<T>): Promise<T> }

export async function run(): Promise<number> {
  const jobId = await prisma.$transaction(async (tx) => {
    await notify(tx, 'orders', { id: 7 })
    const offset: number = await publish(tx, 'orders', { id: 7 }, { key: 'order-7' })
    const moved: boolean = await saveOffset(tx, 'billing', 'orders', offset)
    console.log(moved)
    return enqueue(tx, 'emails', { orderId: 7 }, { priority: 5 })
  })
  const honker: Database = createHonker({ url })
  honker.queue<{ orderId: number }>('emails').work(async (job) => console.log(job.payload.orderId))
  console.log(adapter.provider, new (prismaSqliteDriver())('dev.db').name)
  return jobId
}
