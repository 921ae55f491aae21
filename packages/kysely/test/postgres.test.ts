import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely'
import pg from 'pg'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '@honker/testkit/postgres-setup'
import { open } from '@honker/postgres'
import { createHonker, enqueue, honkerMigration, notify, publish, saveOffset, type HonkerPostgresTables } from '../src/index.ts'

const pools: pg.Pool[] = []
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => {})))
})

/** A database of its own on the test cluster: the default schema 'honker' is then this test's alone. */
async function freshKysely(): Promise<{ db: Kysely<any>; pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: await createTestDatabase('kysely'), max: 5 })
  pool.on('error', () => {})
  pools.push(pool)
  return { db: new Kysely<any>({ dialect: new PostgresDialect({ pool }) }), pool }
}

async function migrate(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('orders').ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey()).execute()
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ '0000_honker': honkerMigration }) } })
  const { error } = await migrator.migrateToLatest()
  if (error) throw error
}

describe('@honker/kysely on PostgreSQL (PostgresDialect)', () => {
  it("honkerMigration creates the schema in Kysely's Migrator; createHonker finds it current; down drops it", async () => {
    const { db, pool } = await freshKysely()
    await migrate(db)
    const honker = await createHonker({ db, postgres: pool })
    expect(await honker.queue('q').enqueue(1)).toBe(1)
    honker.close()
    const ledger = await sql<{ version: number }>`SELECT version FROM honker._honker_ts_migrations ORDER BY version`.execute(db)
    expect(ledger.rows).toEqual([{ version: 1 }, { version: 2 }])
    await honkerMigration.down(db)
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'honker'`.execute(db)
    expect(left.rows[0]!.n).toBe(0)
    await db.destroy()
  })

  it("enqueue, notify, publish and saveOffset commit with Kysely's transaction, or roll back with it", async () => {
    const { db, pool } = await freshKysely()
    await migrate(db)
    const honker = await createHonker({ db, postgres: pool })
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('orders').values({ id: 1 }).execute()
      await enqueue(trx, 'emails', { order: 1 }, { priority: 3 })
      await notify(trx, 'orders', { id: 1 })
      const offset = await publish(trx, 'order-events', { id: 1 }, { key: 'o1' })
      expect(await saveOffset(trx, 'audit', 'order-events', offset)).toBe(true)
    })
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('orders').values({ id: 2 }).execute()
        await enqueue(trx, 'emails', { order: 2 })
        throw new Error('payment declined')
      }),
    ).rejects.toThrow('payment declined')
    expect((await db.selectFrom('orders').select('id').execute()).map((row) => row.id)).toEqual([1])
    const rows = await db
      .withSchema('honker')
      .withTables<HonkerPostgresTables>()
      .selectFrom('_honker_live')
      .select(['id', 'priority', 'attempts'])
      .execute()
    expect(rows).toEqual([{ id: expect.any(String), priority: '3', attempts: '0' }]) // bigint columns come as strings
    const typed: { id: string; priority: string; attempts: string } = rows[0]! // HonkerPostgresTables says so too
    expect(Number(typed.priority)).toBe(3)
    const job = (await honker.queue('emails').claimOne('w'))!
    expect([job.payload, job.priority]).toEqual([{ order: 1 }, 3])
    expect(await honker.queue('emails').claimOne('w')).toBeNull()
    expect(await honker.stream('order-events').getOffset('audit')).toBe(1)
    honker.close()
    await db.destroy()
  })

  it('a commit wakes a worker on another pool (another app server) through LISTEN/NOTIFY', async () => {
    const { db, pool } = await freshKysely()
    await migrate(db)
    const elsewhere = new pg.Pool({ connectionString: (pool as unknown as { options: { connectionString: string } }).options.connectionString, max: 2 })
    pools.push(elsewhere)
    const worker = await open({ postgres: elsewhere, migrate: false })
    const ran: unknown[] = []
    const running = worker.queue('emails').work((job) => void ran.push(job.payload), { fallbackPollMs: 60_000 })
    for (let i = 0; i < 200 && worker.wakeState !== 'listening'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const started = Date.now()
    await db.transaction().execute((trx) => enqueue(trx, 'emails', 'hello'))
    while (ran.length === 0 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(ran).toEqual(['hello'])
    expect(Date.now() - started).toBeLessThan(5_000) // the fallback poll is a minute away
    await running.stop()
    worker.close()
    await db.destroy()
  })

  it('refuses the Kysely instance for a transaction, and a SQLite database for the Postgres createHonker', async () => {
    const { db, pool } = await freshKysely()
    await migrate(db)
    await expect(enqueue(db as never, 'q', 1)).rejects.toMatchObject({ code: 'invalid_argument' })
    const sqlite = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    expect(() => createHonker({ db: sqlite, postgres: pool })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    await expect(db.transaction().execute((trx) => enqueue(trx, 'q', 1, { schema: 'Bad Name' }))).rejects.toMatchObject({ code: 'invalid_argument' })
    await sqlite.destroy()
    let kept: unknown
    await db.transaction().execute(async (trx) => {
      kept = trx
    })
    await expect(enqueue(kept as never, 'q', 1)).rejects.toMatchObject({ code: 'transaction_closed' })
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM honker._honker_live`.execute(db)).rows[0]!.n).toBe(0)
    await db.destroy()
  })
})
