import { drizzle } from 'drizzle-orm/node-postgres'
import { integer, pgTable } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '@honker/testkit/postgres-setup'
import { open } from '@honker/postgres'
import { createHonker, enqueue, honkerLivePg, honkerMigrate, honkerMigrationSql, notify, publish, saveOffset } from '../src/pg/index.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { appSchemaPg, drizzleKitGenerate, readMigrationSql } from './drizzle-kit.ts'

const orders = pgTable('orders', { id: integer('id').primaryKey() })
const pools: pg.Pool[] = []
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => {})))
})

/** A database of its own on the test cluster, so the default schema 'honker' is this test's alone. */
async function freshDrizzle() {
  const url = await createTestDatabase('drizzle')
  const pool = new pg.Pool({ connectionString: url, max: 5 })
  pool.on('error', () => {})
  pools.push(pool)
  const db = drizzle(pool)
  await db.execute(sql`CREATE TABLE orders (id integer PRIMARY KEY)`)
  return { db, pool, url }
}

describe('@honker/drizzle/pg on PostgreSQL (drizzle-orm/node-postgres)', () => {
  it('honkerMigrate brings the schema up in a Drizzle transaction; open() then finds it current; it is idempotent', async () => {
    const { db, pool } = await freshDrizzle()
    expect((await honkerMigrate(db)).applied).toEqual([1, 2])
    expect((await honkerMigrate(db)).applied).toEqual([])
    const honker = await createHonker({ db })
    expect(await honker.queue('q').enqueue(1)).toBe(1)
    honker.close()
    expect((await pool.query('SELECT version FROM honker._honker_ts_migrations ORDER BY version')).rows).toEqual([{ version: 1 }, { version: 2 }])
  })

  it('honkerMigrationSql() is a plain SQL migration that open() accepts', async () => {
    const { pool } = await freshDrizzle()
    await pool.query(honkerMigrationSql())
    const honker = await open({ postgres: pool })
    expect(await honker.queue('q').enqueue(1)).toBe(1)
    honker.close()
  })

  it("enqueue, notify, publish and saveOffset commit with Drizzle's transaction, or roll back with it", async () => {
    const { db } = await freshDrizzle()
    await honkerMigrate(db)
    const honker = await createHonker({ db })
    await db.transaction(async (tx) => {
      await tx.insert(orders).values({ id: 1 })
      await enqueue(tx, 'emails', { order: 1 }, { priority: 3 })
      await notify(tx, 'orders', { id: 1 })
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
    const job = (await honker.queue('emails').claimOne('w'))!
    expect([job.payload, job.priority]).toEqual([{ order: 1 }, 3])
    expect(await honker.queue('emails').claimOne('w')).toBeNull()
    expect(await honker.stream('order-events').getOffset('audit')).toBe(1)
    honker.close()
  })

  it('a commit wakes a worker on another pool through LISTEN/NOTIFY', async () => {
    const { db, url } = await freshDrizzle()
    await honkerMigrate(db)
    const elsewhere = new pg.Pool({ connectionString: url, max: 2 })
    pools.push(elsewhere)
    const worker = await open({ postgres: elsewhere, migrate: false })
    const ran: unknown[] = []
    const running = worker.queue('emails').work((job) => void ran.push(job.payload), { fallbackPollMs: 60_000 })
    for (let i = 0; i < 200 && worker.wakeState !== 'listening'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const started = Date.now()
    await db.transaction((tx) => enqueue(tx, 'emails', 'hello'))
    while (ran.length === 0 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(ran).toEqual(['hello'])
    expect(Date.now() - started).toBeLessThan(5_000) // the fallback poll is a minute away
    await running.stop()
    worker.close()
  })

  it('refuses what is not a Drizzle Postgres database, with coded errors', async () => {
    await expect(enqueue({} as never, 'q', 1)).rejects.toMatchObject({ code: 'invalid_argument' })
    expect(() => createHonker({ db: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    const { db } = await freshDrizzle()
    await expect(db.transaction((tx) => enqueue(tx, 'q', () => 1))).rejects.toMatchObject({ code: 'invalid_payload' })
    // A Drizzle database of the other engine, either way round.
    const { drizzle: drizzleSqlite } = await import('drizzle-orm/better-sqlite3')
    const { default: Sqlite } = await import('better-sqlite3')
    const onSqlite = drizzleSqlite(new Sqlite(':memory:'))
    await expect(enqueue(onSqlite as never, 'q', 1)).rejects.toMatchObject({ code: 'engine_mismatch' })
    const sqliteEntry = await import('../src/index.ts')
    expect(() => sqliteEntry.enqueue(db as never, 'q', 1)).toThrow(expect.objectContaining({ code: 'engine_mismatch' }))
  })

  it("drizzle-kit generate from Honker's pgTables writes the schema @honker/postgres creates; open() then records it; typed reads work", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'honker-drizzle-kit-pg-')), 'drizzle')
    try {
      drizzleKitGenerate(out, appSchemaPg, 'postgresql')
      const viaKit = await freshDrizzle()
      await viaKit.pool.query(readMigrationSql(out).replaceAll('--> statement-breakpoint', ''))
      const viaOpen = await freshDrizzle()
      ;(await open({ postgres: viaOpen.pool })).close()
      const shape = async (pool: pg.Pool) => ({
        columns: (
          await pool.query(`SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, identity_generation
            FROM information_schema.columns WHERE table_schema = 'honker' ORDER BY table_name, column_name`)
        ).rows,
        indexes: (await pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'honker' ORDER BY indexname`)).rows.map(
          (row: { indexname: string; indexdef: string }) => [row.indexname, row.indexdef.replace(/ USING btree/, '').replace(/"/g, '')],
        ),
      })
      expect(await shape(viaKit.pool)).toEqual(await shape(viaOpen.pool))
      const honker = await createHonker({ db: viaKit.db })
      const id = await honker.queue('emails').enqueue({ to: 'a' }, { priority: 2 })
      expect((await viaKit.pool.query('SELECT version FROM honker._honker_ts_migrations ORDER BY version')).rows).toEqual([{ version: 1 }, { version: 2 }])
      const [row] = await viaKit.db.select().from(honkerLivePg)
      expect([row!.id, row!.priority, row!.state]).toEqual([id, 2, 'pending']) // bigint columns read as numbers
      honker.close()
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true })
    }
  })
})
