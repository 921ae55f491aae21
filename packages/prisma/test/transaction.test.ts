import { HonkerError } from '@honker/core'
import { describe, expect, it } from 'vitest'
import { createHonker, enqueue, notify, publish, saveOffset } from '../src/index.ts'
import { ORDERS_DDL, applyHonkerMigrations, onCleanup, prismaClient, tempDbPath } from './helpers.ts'

class Declined extends Error {}

async function setup() {
  const file = tempDbPath()
  applyHonkerMigrations(file, ORDERS_DDL)
  const url = `file:${file}`
  const honker = createHonker({ url })
  onCleanup(() => honker.close())
  const prisma = prismaClient(url)
  const count = async (table: string): Promise<number> =>
    Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${table}`))[0]!.n)
  return { file, honker, prisma, count }
}

describe('inside prisma.$transaction(async (tx) => ...)', () => {
  it('a rollback drops the job, notification, event and saved offset with the business row', async () => {
    const { honker, prisma, count } = await setup()
    const ids: number[] = []
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.order.create({ data: { note: 'declined' } })
        ids.push(await enqueue(tx, 'emails', { to: 'a@example.com' }))
        ids.push(await notify(tx, 'orders', { status: 'declined' }))
        ids.push(await publish(tx, 'orders', { type: 'order.declined' }, { key: 'order-1' }))
        expect(await saveOffset(tx, 'billing', 'orders', 1)).toBe(true)
        throw new Declined('card declined')
      }),
    ).rejects.toThrow(Declined)
    expect(ids).toEqual([1, 1, 1]) // they were written inside the transaction...
    for (const table of ['orders', '_honker_live', '_honker_notifications', '_honker_stream', '_honker_stream_consumers']) {
      expect({ table, rows: await count(table) }).toEqual({ table, rows: 0 }) // ...and are gone
    }
    expect(honker.queue('emails').getJob(1)).toBeNull()
    expect(honker.stream('orders').getOffset('billing')).toBe(0)
  })

  it('a commit keeps them all, and the ids are numbers although the adapter reads integers as bigint', async () => {
    const { honker, prisma } = await setup()
    const [{ one }] = await prisma.$queryRawUnsafe<[{ one: unknown }]>('SELECT 1 AS one')
    expect(typeof one).toBe('bigint') // the premise: the adapter turns safe integers on
    const result = await prisma.$transaction(async (tx) => {
      const order = await tx.order.create({ data: { note: 'paid' } })
      return {
        order: order.id,
        job: await enqueue(tx, 'emails', { orderId: order.id }, { priority: 7, maxAttempts: 5 }),
        notification: await notify(tx, 'orders', { orderId: order.id }),
        offset: await publish(tx, 'orders', { orderId: order.id }),
        saved: await saveOffset(tx, 'billing', 'orders', 1),
      }
    })
    expect(result).toEqual({ order: 1, job: 1, notification: 1, offset: 1, saved: true })
    expect(honker.queue('emails').getJob(result.job)).toMatchObject({
      state: 'pending', priority: 7, maxAttempts: 5, payloadText: '{"orderId":1}',
    })
    expect(honker.stream('orders').readSince(0, 10)).toMatchObject([{ offset: 1, key: null, payload: { orderId: 1 } }])
    expect(honker.stream('orders').getOffset('billing')).toBe(1)
    // The generated client reads Honker's tables through the shipped models.
    expect(await prisma.honkerJob.findUnique({ where: { id: result.job } })).toMatchObject({
      queue: 'emails', state: 'pending', priority: 7, maxAttempts: 5, payload: '{"orderId":1}',
    })
  })

  it('stores every time, id and count as an INTEGER, as honker\'s bindings read them', async () => {
    const { prisma } = await setup()
    const centuryS = 100 * 365 * 24 * 3600
    await prisma.$transaction(async (tx) => {
      await enqueue(tx, 'emails', 'far', { delayS: centuryS, expiresS: centuryS, priority: -3, maxAttempts: 2 })
      await notify(tx, 'orders', 1)
      await publish(tx, 'orders', 2)
      await saveOffset(tx, 'billing', 'orders', 2 ** 40)
    })
    const types = await prisma.$queryRawUnsafe<Record<string, string>[]>(`
      SELECT typeof(run_at) AS run_at, typeof(expires_at) AS expires_at, typeof(priority) AS priority,
             typeof(max_attempts) AS max_attempts, typeof(created_at) AS created_at,
             (SELECT typeof(created_at) FROM _honker_notifications) AS notification_created_at,
             (SELECT typeof(created_at) FROM _honker_stream) AS event_created_at,
             (SELECT typeof("offset") FROM _honker_stream_consumers) AS saved_offset
      FROM _honker_live`)
    expect(types).toEqual([
      {
        run_at: 'integer', expires_at: 'integer', priority: 'integer', max_attempts: 'integer', created_at: 'integer',
        notification_created_at: 'integer', event_created_at: 'integer', saved_offset: 'integer',
      },
    ])
    const [job] = await prisma.honkerJob.findMany()
    expect(job!.runAt - job!.createdAt).toBe(centuryS) // read back exactly, past 2^31
  })

  it('saveOffset only moves forward', async () => {
    const { honker, prisma } = await setup()
    expect(await prisma.$transaction((tx) => saveOffset(tx, 'billing', 'orders', 5))).toBe(true)
    expect(await prisma.$transaction((tx) => saveOffset(tx, 'billing', 'orders', 3))).toBe(false)
    expect(honker.stream('orders').getOffset('billing')).toBe(5)
  })

  it('a rejected argument rejects the promise, writes nothing and rolls the transaction back', async () => {
    const { prisma, count } = await setup()
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.order.create({ data: { note: 'x' } })
        await enqueue(tx, '', { to: 'a@example.com' })
      }),
    ).rejects.toMatchObject({ code: 'invalid_argument', argument: 'queue' })
    await expect(prisma.$transaction((tx) => enqueue(tx, 'emails', 1, { delayS: -1 }))).rejects.toMatchObject({
      code: 'invalid_argument', argument: 'delayS',
    })
    await expect(prisma.$transaction((tx) => publish(tx, 'orders', () => 1))).rejects.toMatchObject({ code: 'invalid_payload' })
    expect(await count('orders')).toBe(0)
    expect(await count('_honker_live')).toBe(0)
    expect(await count('_honker_stream')).toBe(0)
  })
})

describe('outside a transaction', () => {
  it('takes the PrismaClient itself: the insert commits on its own', async () => {
    const { honker, prisma } = await setup()
    const id = await enqueue(prisma, 'emails', { to: 'c@example.com' }, { runAt: new Date(Date.UTC(2030, 0, 1)) })
    expect(honker.queue('emails').getJob(id)).toMatchObject({ state: 'pending', runAt: Date.UTC(2030, 0, 1) / 1000 })
    expect(await notify(prisma, 'orders', 'hello')).toBe(1)
  })

  it('rejects (never throws) for something that is not a Prisma client', async () => {
    for (const tx of [null, undefined, {}, { $queryRawUnsafe: () => Promise.resolve([]) }]) {
      const pending = enqueue(tx as never, 'emails', 1)
      expect(pending).toBeInstanceOf(Promise)
      const error = await pending.catch((caught: unknown) => caught)
      expect(HonkerError.isInstance(error, 'invalid_argument')).toBe(true)
      expect(error).toMatchObject({ argument: 'tx' })
    }
  })
})

describe('pitfalls, pinned so that a change in Prisma or core shows up here', () => {
  it('a query on the root client while an interactive transaction is open joins that transaction', async () => {
    const { honker, prisma, count } = await setup()
    let rollBack!: () => void
    let begun!: () => void
    const gate = new Promise<void>((resolve) => (rollBack = resolve))
    const started = new Promise<void>((resolve) => (begun = resolve))
    const transaction = prisma.$transaction(async (tx) => {
      await tx.order.create({ data: { note: 'in the transaction' } })
      begun()
      await gate
      throw new Declined('card declined')
    })
    await started
    // Not the tx, and its promise resolves with an id: it ran on the same better-sqlite3
    // connection, inside the open transaction...
    const id = await enqueue(prisma, 'emails', 'sent outside the transaction')
    expect(id).toBe(1)
    rollBack()
    await expect(transaction).rejects.toThrow(Declined)
    // ...so the rollback took it too. Honker's own API is unaffected: it has its own connection.
    expect(await count('_honker_live')).toBe(0)
    expect(honker.queue('emails').getJob(id)).toBeNull()
  })

  it("a Honker write in the same process while a Prisma transaction holds the write lock fails with 'busy'", async () => {
    const { honker, prisma, count } = await setup()
    let finish!: () => void
    let begun!: () => void
    const gate = new Promise<void>((resolve) => (finish = resolve))
    const started = new Promise<void>((resolve) => (begun = resolve))
    const transaction = prisma.$transaction(async (tx) => {
      await tx.order.create({ data: { note: 'holds the write lock' } })
      begun()
      await gate
    })
    await started
    // Honker's connection is synchronous: it waits out busy_timeout (5 s) blocking the event loop,
    // which is what the Prisma transaction needs to reach its COMMIT. Then it gives up.
    let error: unknown
    try {
      honker.queue('emails').enqueue('blocked')
    } catch (caught) {
      error = caught
    }
    expect(HonkerError.isInstance(error, 'busy')).toBe(true)
    finish()
    await transaction
    expect(await count('orders')).toBe(1)
    expect(await count('_honker_live')).toBe(0)
  })

  it('a read-first transaction cannot write after another connection committed (deferred BEGIN)', async () => {
    const { honker, prisma, count } = await setup()
    const error = await prisma
      .$transaction(async (tx) => {
        await tx.order.findMany() // the adapter's BEGIN is deferred: this pins a read snapshot
        honker.queue('reports').enqueue('committed elsewhere') // another connection commits
        await enqueue(tx, 'emails', 'too late') // upgrading a stale snapshot fails at once
      })
      .catch((caught: unknown) => caught)
    // Prisma reports SQLITE_BUSY_SNAPSHOT as a raw-query failure of kind 'SocketTimeout'.
    expect(error).toMatchObject({
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'SocketTimeout', originalCode: 'SQLITE_BUSY_SNAPSHOT' } } },
    })
    expect(await count('_honker_live')).toBe(1) // only the other connection's job
  })

  it("Honker's worker loop waits for them without blocking: handlers may write through prisma.$transaction", async () => {
    const { honker, prisma, count } = await setup()
    const jobs = 12
    await prisma.$transaction(async (tx) => {
      for (let i = 1; i <= jobs; i++) await tx.order.create({ data: { note: 'placed' } })
      for (let i = 1; i <= jobs; i++) await enqueue(tx, 'emails', { orderId: i })
    })
    const errors: unknown[] = []
    const controller = new AbortController()
    const listener = honker.listen<{ orderId: number }>('emailed')
    onCleanup(() => listener.close())
    const worker = honker.queue<{ orderId: number }>('emails').work(
      async (job) => {
        // Each handler holds the write lock across awaits while the others' claims and acks, on
        // Honker's connection in this same process, want it too.
        await prisma.$transaction(async (tx) => {
          await tx.order.update({ where: { id: job.payload.orderId }, data: { note: 'emailed' } })
          await new Promise((resolve) => setImmediate(resolve))
          await notify(tx, 'emailed', { orderId: job.payload.orderId })
        })
      },
      { concurrency: 4, signal: controller.signal },
    )
    worker.on('worker:error', (error) => errors.push(error))
    const allAcked = new Promise<void>((resolve) => worker.on('job:completed', () => worker.stats.completed === jobs && resolve()))
    onCleanup(() => worker.stop())
    onCleanup(() => controller.abort())
    const heard = new Set<number>()
    for await (const notification of listener) {
      heard.add(notification.payload.orderId)
      if (heard.size === jobs) break
    }
    await allAcked
    expect(errors).toEqual([])
    expect(worker.stats).toMatchObject({ completed: jobs, retried: 0, dead: 0, lost: 0 })
    expect(Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM orders WHERE note = 'emailed'`))[0]!.n)).toBe(jobs)
    expect(await count('_honker_live')).toBe(0)
  })
})
