import { drizzle } from 'drizzle-orm/postgres-js'
import { integer, pgTable } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '@honker/testkit/postgres-setup'
import { open } from '@honker/postgres'
import { enqueue, honkerMigrate, notify, publish, saveOffset } from '../src/pg/index.ts'

const orders = pgTable('orders', { id: integer('id').primaryKey() })
const closers: (() => Promise<unknown>)[] = []
afterAll(async () => {
  await Promise.all(closers.map((close) => close().catch(() => {})))
})

/** A Drizzle database on postgres-js (porsager), and a `pg` Pool on the same database for the workers. */
async function freshPostgresJs() {
  const url = await createTestDatabase('drizzle_pgjs')
  const client = postgres(url, { max: 3, onnotice: () => {} })
  closers.push(() => client.end({ timeout: 1 }))
  const pool = new pg.Pool({ connectionString: url, max: 3 })
  pool.on('error', () => {})
  closers.push(() => pool.end())
  const db = drizzle(client)
  await db.execute(sql`CREATE TABLE orders (id integer PRIMARY KEY)`)
  return { db, pool }
}

// postgres-js has no pg-style `query(config)`, so these go through Drizzle's own `execute(sql)`.
describe('@honker/drizzle/pg on drizzle-orm/postgres-js', () => {
  it("honkerMigrate, then enqueue, notify, publish and saveOffset commit with Drizzle's transaction or roll back with it", async () => {
    const { db, pool } = await freshPostgresJs()
    expect((await honkerMigrate(db)).applied).toEqual([1, 2])
    const honker = await open({ postgres: pool, migrate: false })
    let ids: number[] = []
    await db.transaction(async (tx) => {
      await tx.insert(orders).values({ id: 1 })
      const first = await enqueue(tx, 'emails', { order: 1 }, { priority: 3 })
      ids = [first, await enqueue(tx, 'emails', { order: 'a' }, { delayS: 0 }), await enqueue(tx, 'emails', { order: 'b' })]
      expect(await notify(tx, 'orders', { id: 1 })).toBeGreaterThan(0)
      const offset = await publish(tx, 'order-events', { id: 1 }, { key: 'o1' })
      expect(await saveOffset(tx, 'audit', 'order-events', offset)).toBe(true)
    })
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(orders).values({ id: 2 })
        await enqueue(tx, 'emails', { order: 2 })
        tx.rollback()
      }),
    ).rejects.toThrow()
    expect((await db.select().from(orders)).map((row) => row.id)).toEqual([1])
    expect(ids).toHaveLength(3)
    const claimed = await honker.queue('emails').claimBatch('w', 10)
    expect(claimed.map((job) => [job.id, job.payload])).toEqual([
      [ids[0], { order: 1 }],
      [ids[1], { order: 'a' }],
      [ids[2], { order: 'b' }],
    ])
    expect(await honker.stream('order-events').getOffset('audit')).toBe(1)
    honker.close()
  })

  it('a bad payload is a coded error and leaves nothing behind', async () => {
    const { db, pool } = await freshPostgresJs()
    await honkerMigrate(db)
    await expect(db.transaction((tx) => enqueue(tx, 'q', () => 1))).rejects.toMatchObject({ code: 'invalid_payload' })
    expect((await pool.query('SELECT count(*)::int AS n FROM honker._honker_live')).rows).toEqual([{ n: 0 }])
  })
})
