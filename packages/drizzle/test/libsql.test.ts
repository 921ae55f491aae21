// Drizzle's async SQLite kind, on libSQL: the same helpers return promises and join libSQL's
// transactions. This process only touches the file through libSQL; Honker's worker runs in a child
// process on better-sqlite3 (two SQLite copies in one process must not share a file: closing one
// copy's descriptor drops the other's POSIX locks).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createClient, type Client } from '@libsql/client'
import { eq, sql } from 'drizzle-orm'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import { spawnWorker } from '@honker/testkit'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHonker, enqueue, honkerLive, honkerNotifications, honkerStream, notify, publish, saveOffset } from '../src/index.ts'
import { drizzleKitGenerate } from './drizzle-kit.ts'
import { orders } from './fixtures/app-tables.ts'
import { tempDir } from './helpers.ts'

class Declined extends Error {}

describe('libSQL (async driver)', () => {
  let migrations: string
  let shared: string
  let client: Client
  let db: LibSQLDatabase & { $client: Client }
  let file: string

  beforeAll(() => {
    shared = mkdtempSync(path.join(tmpdir(), 'honker-drizzle-libsql-'))
    migrations = path.join(shared, 'drizzle')
    drizzleKitGenerate(migrations)
  })
  afterAll(() => rmSync(shared, { recursive: true, force: true }))

  beforeEach(async () => {
    file = path.join(tempDir(), 'app.db')
    client = createClient({ url: `file:${file}`, timeout: 5000 })
    db = drizzle({ client, casing: 'snake_case' })
    await migrate(db, { migrationsFolder: migrations }) // the drizzle-kit migration creates Honker's tables
  })
  afterEach(() => client.close())

  const jobs = async (): Promise<number> => (await db.select({ n: sql<number>`count(*)` }).from(honkerLive).get())!.n

  it('enqueue returns a promise inside db.transaction; the commit wakes a worker in another process', async () => {
    const worker = spawnWorker(file, 'emails')
    try {
      await worker.ready
      const id = await db.transaction(async (tx) => {
        const order = await tx.insert(orders).values({ customerEmail: 'a@example.com', totalCents: 4200 }).returning().get()
        const pending = enqueue(tx, 'emails', { orderId: order.id })
        expect(pending).toBeInstanceOf(Promise)
        return pending
      })
      expect(typeof id).toBe('number')
      expect(await worker.handled(id)).toMatchObject({ id, payload: { orderId: 1 } })
    } finally {
      expect(await worker.stop()).toBe(0)
    }
  })

  it('a rollback drops the job with the business row', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(orders).values({ customerEmail: 'b@example.com', totalCents: 1 })
        await enqueue(tx, 'emails', { to: 'b@example.com' })
        throw new Declined('card declined')
      }),
    ).rejects.toThrow(Declined)
    expect(await db.select().from(orders).all()).toEqual([])
    expect(await jobs()).toBe(0)
    // Validation still throws synchronously, before anything is sent to libSQL.
    await expect(db.transaction(async (tx) => enqueue(tx, 'emails', { big: 1n }))).rejects.toMatchObject({ code: 'invalid_payload' })
    expect(await jobs()).toBe(0)
  })

  it('notify, publish and saveOffset resolve inside the transaction and commit with it', async () => {
    const [notification, offset, saved] = await db.transaction(async (tx) => {
      const n = await notify(tx, 'orders', { id: 7 })
      const o = await publish(tx, 'orders', { id: 7 }, { key: 'order-7' })
      return [n, o, await saveOffset(tx, 'totals', 'orders', o)] as const
    })
    expect(await db.select().from(honkerNotifications).where(eq(honkerNotifications.id, notification)).get()).toMatchObject({
      channel: 'orders',
      payload: '{"id":7}',
    })
    expect(await db.select().from(honkerStream).get()).toMatchObject({ offset, topic: 'orders', key: 'order-7', payload: '{"id":7}' })
    expect(saved).toBe(true)
    expect(await db.transaction(async (tx) => saveOffset(tx, 'totals', 'orders', 0))).toBe(false)
  })

  it('createHonker refuses a libSQL database (run the workers with @honker/core in their own process)', () => {
    expect(() => createHonker({ db: db as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'db' }))
  })
})
