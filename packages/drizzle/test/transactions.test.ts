import { createRequire } from 'node:module'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { HonkerError } from '@honker/core'
import { describe, expect, it } from 'vitest'
import { createHonker, enqueue, honkerLive, honkerSchema, honkerStreamConsumers, notify, publish, saveOffset } from '../src/index.ts'
import { onCleanup, tempDir } from './helpers.ts'

const orders = sqliteTable('orders', { id: integer('id').primaryKey(), note: text('note').notNull() })

/** The app: better-sqlite3 + Drizzle (with Honker's tables in its schema), and Honker on the same file. */
function setup(file = path.join(tempDir(), 'app.db')) {
  const client = new Sqlite(file)
  const db = drizzle({ client, schema: { orders, ...honkerSchema } })
  db.run(sql`CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT NOT NULL)`)
  const honker = createHonker({ db })
  onCleanup(() => client.close())
  onCleanup(() => honker.close())
  const count = (table: string): number => client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  return { file, client, db, honker, count }
}

class Declined extends Error {}

describe('enqueue inside db.transaction (better-sqlite3)', () => {
  it('returns the id synchronously and commits the job with the business row', () => {
    const { db, honker } = setup()
    const result = db.transaction((tx) => {
      const order = tx.insert(orders).values({ note: 'paid' }).returning().get()
      const jobId = enqueue(tx, 'emails', { orderId: order.id }, { priority: 5, maxAttempts: 2 })
      // A plain number inside the callback: no await, so the callback stays synchronous.
      expect(typeof jobId).toBe('number')
      return { orderId: order.id, jobId }
    })
    expect(honker.queue('emails').getJob(result.jobId)).toMatchObject({
      state: 'pending', priority: 5, maxAttempts: 2, payloadText: JSON.stringify({ orderId: result.orderId }),
    })
    // The schema's typed table reads the same row through Drizzle.
    const row = db.select().from(honkerLive).where(eq(honkerLive.id, result.jobId)).get()
    expect(row).toMatchObject({ queue: 'emails', payload: JSON.stringify({ orderId: result.orderId }), state: 'pending', attempts: 0 })
  })

  it('drops the job when the transaction throws', () => {
    const { db, count } = setup()
    expect(() =>
      db.transaction((tx) => {
        tx.insert(orders).values({ note: 'declined' }).run()
        enqueue(tx, 'emails', { to: 'b@example.com' })
        throw new Declined('card declined')
      }),
    ).toThrow(Declined)
    expect(count('orders')).toBe(0)
    expect(count('_honker_live')).toBe(0)
  })

  it("drops the job on Drizzle's tx.rollback()", () => {
    const { db, count } = setup()
    expect(() =>
      db.transaction((tx) => {
        enqueue(tx, 'emails', { n: 1 })
        tx.rollback()
      }),
    ).toThrow(/Rollback/)
    expect(count('_honker_live')).toBe(0)
  })

  it('rolls back with a nested transaction (savepoint) and keeps the outer one', () => {
    const { db, honker } = setup()
    const outer = db.transaction((tx) => {
      const id = enqueue(tx, 'emails', 'outer')
      expect(() =>
        tx.transaction((inner) => {
          enqueue(inner, 'emails', 'inner')
          throw new Declined('inner fails')
        }),
      ).toThrow(Declined)
      return id
    })
    expect(honker.queue('emails').counts()).toMatchObject({ pending: 1 })
    expect(honker.queue('emails').getJob(outer)?.payloadText).toBe('"outer"')
  })

  it('rejects invalid arguments before writing, so the transaction rolls back whole', () => {
    const { db, count } = setup()
    expect(() =>
      db.transaction((tx) => {
        tx.insert(orders).values({ note: 'x' }).run()
        enqueue(tx, '', { n: 1 })
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => db.transaction((tx) => enqueue(tx, 'emails', { big: 1n }))).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    expect(() => enqueue({} as never, 'emails', 1)).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'tx' }))
    expect(count('orders')).toBe(0)
    expect(count('_honker_live')).toBe(0)
  })

  it('works on the root database too, as its own transaction', () => {
    const { db, honker } = setup()
    const id = enqueue(db, 'emails', { direct: true }, { delayS: 60 })
    const job = honker.queue('emails').getJob(id)
    expect(job?.state).toBe('pending')
    expect(job!.runAt - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(59)
  })

  it('wakes a Honker worker on the same file when the transaction commits', async () => {
    const { db, honker } = setup()
    const seen: unknown[] = []
    let done!: () => void
    const handled = new Promise<void>((resolve) => (done = resolve))
    const worker = honker.queue('emails').work(
      (job) => {
        seen.push(job.payload)
        done()
      },
      { fallbackPollMs: null },
    )
    onCleanup(() => void worker.stop())
    db.transaction((tx) => enqueue(tx, 'emails', { wake: 1 }))
    await handled
    await worker.stop()
    expect(seen).toEqual([{ wake: 1 }])
  })

  it('surfaces a missing schema as the ORM error (migrate or createHonker first)', () => {
    const client = new Sqlite(path.join(tempDir(), 'bare.db'))
    onCleanup(() => client.close())
    const db = drizzle({ client })
    expect(() => enqueue(db, 'emails', 1)).toThrow('no such table: _honker_live')
  })
})

describe('notify, publish and saveOffset inside db.transaction', () => {
  it('notify commits with the transaction and reaches a listener; a rollback drops it', async () => {
    const { db, honker, count } = setup()
    const listener = honker.listen<{ id: number }>('orders')
    onCleanup(() => listener.close())
    expect(() =>
      db.transaction((tx) => {
        notify(tx, 'orders', { id: 0 })
        throw new Declined('no')
      }),
    ).toThrow(Declined)
    const id = db.transaction((tx) => notify(tx, 'orders', { id: 1 }))
    expect(typeof id).toBe('number')
    const { value } = await listener.next()
    expect(value).toMatchObject({ id, channel: 'orders', payload: { id: 1 } })
    expect(count('_honker_notifications')).toBe(1)
  })

  it('publish appends with its key; saveOffset moves forward only, in the same transaction as the effect', () => {
    const { db, honker } = setup()
    const [first, second] = db.transaction((tx) => [
      publish(tx, 'orders', { n: 1 }, { key: 'order-1' }),
      publish(tx, 'orders', { n: 2 }),
    ])
    expect(second).toBeGreaterThan(first!)
    const events = honker.stream('orders').readSince(0, 10)
    expect(events.map((e) => [e.offset, e.key, e.payload])).toEqual([
      [first, 'order-1', { n: 1 }],
      [second, null, { n: 2 }],
    ])
    expect(() => db.transaction((tx) => publish(tx, 'orders', {}, 'k' as never))).toThrow(expect.objectContaining({ code: 'invalid_argument' }))

    expect(db.transaction((tx) => saveOffset(tx, 'totals', 'orders', second!))).toBe(true)
    expect(db.transaction((tx) => saveOffset(tx, 'totals', 'orders', first!))).toBe(false)
    expect(() =>
      db.transaction((tx) => {
        saveOffset(tx, 'audit', 'orders', second!)
        throw new Declined('effect failed')
      }),
    ).toThrow(Declined)
    expect(db.select().from(honkerStreamConsumers).all()).toEqual([{ name: 'totals', topic: 'orders', offset: second }])
    expect(honker.stream('orders').getOffset('totals')).toBe(second)
  })
})

describe('the async-callback hazard on better-sqlite3', () => {
  const [major, minor] = (createRequire(import.meta.url)('better-sqlite3/package.json').version as string).split('.').map(Number) as [number, number]

  it('better-sqlite3 >= 11.10 refuses an async callback, and nothing before the first await is committed', () => {
    expect(major > 11 || (major === 11 && minor >= 10)).toBe(true)
    const { db, count } = setup()
    expect(() =>
      db.transaction(async (tx) => {
        tx.insert(orders).values({ note: 'async' }).run()
        enqueue(tx, 'emails', { n: 1 })
      }),
    ).toThrow(new TypeError('Transaction function cannot return a promise'))
    expect(count('orders')).toBe(0)
    expect(count('_honker_live')).toBe(0)
  })

  it('what runs after an await is outside any transaction: it autocommits (why callbacks must be synchronous)', async () => {
    const { db, count } = setup()
    let escaped!: Promise<void>
    expect(() =>
      db.transaction((tx) => {
        escaped = (async () => {
          await null
          enqueue(tx, 'emails', { n: 'escaped' })
        })()
        return escaped as never
      }),
    ).toThrow(TypeError)
    await escaped
    // The transaction rolled back, yet the job exists: it was written in autocommit after the
    // transaction ended. @honker/drizzle cannot see this from `tx`; the sync callback rule prevents it.
    expect(count('_honker_live')).toBe(1)
  })
})

describe('createHonker', () => {
  it('opens core on the Drizzle client\'s file, with the same better-sqlite3 copy', () => {
    const dir = tempDir()
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      const { client, honker } = setup('relative.db')
      expect(client.name).toBe('relative.db')
      expect(honker.path).toBe(path.join(dir, 'relative.db'))
    } finally {
      process.chdir(cwd)
    }
  })

  it("refuses ':memory:', a transaction, and a client that is not better-sqlite3", () => {
    const memory = drizzle({ client: new Sqlite(':memory:') })
    onCleanup(() => memory.$client.close())
    expect(() => createHonker({ db: memory })).toThrow(expect.objectContaining({ code: 'memory_database' }))
    expect(HonkerError.isInstance((() => { try { createHonker({ db: memory }) } catch (e) { return e } })(), 'memory_database')).toBe(true)
    memory.transaction((tx) => {
      expect(() => createHonker({ db: tx as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'db' }))
    })
    expect(() => createHonker({ db: { $client: { url: 'file:x.db' } } as never })).toThrow(/better-sqlite3 or bun:sqlite/)
    expect(() => createHonker({ db: { $client: { prepare() {}, close() {} } } as never })).toThrow(expect.objectContaining({ code: 'unsupported_driver' }))
    expect(() => createHonker(undefined as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })

  it('refuses a closed client with code closed', () => {
    const client = new Sqlite(path.join(tempDir(), 'closed.db'))
    const db = drizzle({ client })
    client.close()
    expect(() => createHonker({ db })).toThrow(expect.objectContaining({ code: 'closed' }))
  })
})
