import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '@honker/testkit/postgres-setup'
import { open } from '@honker/postgres'
import { applyPostgresMigrations, createHonker, enqueue, honkerPostgresMigrationsDir, notify, publish, saveOffset } from '../src/pg.ts'
import { PrismaClient } from './generated-pg/client/client.ts'

const cleanups: (() => Promise<unknown> | unknown)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** A database of its own on the test cluster, its migrations (Honker's, then the app's) applied offline. */
async function freshApp() {
  const url = await createTestDatabase('prisma')
  const pool = new pg.Pool({ connectionString: url, max: 5 })
  pool.on('error', () => {})
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-prisma-pg-'))
  cpSync(honkerPostgresMigrationsDir, dir, { recursive: true })
  mkdirSync(path.join(dir, '0100_orders'))
  writeFileSync(path.join(dir, '0100_orders', 'migration.sql'), 'CREATE TABLE "orders" ("id" SERIAL PRIMARY KEY, "note" TEXT);\n')
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
  cleanups.push(() => pool.end().catch(() => {}), () => prisma.$disconnect(), () => rmSync(dir, { recursive: true, force: true }))
  return { pool, prisma, dir, url }
}

describe('@honker/prisma/pg on PostgreSQL (@prisma/adapter-pg)', () => {
  it("applies Honker's migration folder offline into Prisma's history; open() finds the schema current; a second run applies nothing", async () => {
    const { pool, dir } = await freshApp()
    expect((await applyPostgresMigrations({ postgres: pool, dir })).applied).toEqual(['0001_honker_schema', '0002_queue_features', '0100_orders'])
    expect((await applyPostgresMigrations({ postgres: pool, dir })).applied).toEqual([])
    const history = await pool.query('SELECT migration_name, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name')
    expect(history.rows).toEqual([
      { migration_name: '0001_honker_schema', applied_steps_count: 1 },
      { migration_name: '0002_queue_features', applied_steps_count: 1 },
      { migration_name: '0100_orders', applied_steps_count: 1 },
    ])
    const honker = await createHonker({ postgres: pool })
    expect(await honker.queue('q').enqueue(1)).toBe(1)
    honker.close()
    writeFileSync(path.join(dir, '0100_orders', 'migration.sql'), 'CREATE TABLE "orders" ("id" SERIAL PRIMARY KEY);\n')
    await expect(applyPostgresMigrations({ postgres: pool, dir })).rejects.toMatchObject({ code: 'migration_checksum_mismatch' })
  })

  it("enqueue, notify, publish and saveOffset commit with prisma.$transaction, or roll back with it; the models read them", async () => {
    const { pool, prisma, dir } = await freshApp()
    await applyPostgresMigrations({ postgres: pool, dir })
    await prisma.$transaction(async (tx) => {
      const order = await tx.order.create({ data: { note: 'first' } })
      await enqueue(tx, 'emails', { orderId: order.id }, { priority: 3 })
      await notify(tx, 'orders', { id: order.id })
      const offset = await publish(tx, 'order-events', { id: order.id }, { key: 'o1' })
      expect(await saveOffset(tx, 'audit', 'order-events', offset)).toBe(true)
    })
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.order.create({ data: { note: 'declined' } })
        await enqueue(tx, 'emails', { orderId: -1 })
        throw new Error('payment declined')
      }),
    ).rejects.toThrow('payment declined')
    expect((await prisma.order.findMany()).map((order) => order.note)).toEqual(['first'])
    const jobs = await prisma.honkerJob.findMany()
    expect(jobs.map((job) => [job.queue, job.payload, job.priority])).toEqual([['emails', '{"orderId":1}', 3n]])
    expect((await prisma.honkerStreamConsumer.findMany()).map((row) => [row.name, row.offset])).toEqual([['audit', 1n]])
    expect(await prisma.honkerNotification.count()).toBe(1)
  })

  it('a commit wakes a worker on another pool through LISTEN/NOTIFY', async () => {
    const { pool, prisma, dir, url } = await freshApp()
    await applyPostgresMigrations({ postgres: pool, dir })
    const elsewhere = new pg.Pool({ connectionString: url, max: 2 })
    cleanups.push(() => elsewhere.end())
    const worker = await open({ postgres: elsewhere, migrate: false })
    const ran: unknown[] = []
    const running = worker.queue('emails').work((job) => void ran.push(job.payload), { fallbackPollMs: 60_000 })
    for (let i = 0; i < 200 && worker.wakeState !== 'listening'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const started = Date.now()
    await prisma.$transaction((tx) => enqueue(tx, 'emails', 'hello'))
    while (ran.length === 0 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(ran).toEqual(['hello'])
    expect(Date.now() - started).toBeLessThan(5_000) // the fallback poll is a minute away
    await running.stop()
    worker.close()
  })

  it('refuses what is not a Prisma client or transaction, and bad payloads, with coded errors', async () => {
    await expect(enqueue({} as never, 'q', 1)).rejects.toMatchObject({ code: 'invalid_argument' })
    const { pool, prisma, dir } = await freshApp()
    await applyPostgresMigrations({ postgres: pool, dir })
    await expect(prisma.$transaction((tx) => enqueue(tx, 'q', () => 1))).rejects.toMatchObject({ code: 'invalid_payload' })
    let kept: unknown
    await prisma.$transaction(async (tx) => {
      kept = tx
    })
    await expect(enqueue(kept as never, 'q', 1)).rejects.toMatchObject({ code: 'transaction_closed' })
    expect(await prisma.honkerJob.count()).toBe(0)
    // The SQLite entry refuses a client on PostgreSQL, and the other way round.
    const sqliteEntry = await import('../src/index.ts')
    await expect(sqliteEntry.enqueue(prisma, 'q', 1)).rejects.toMatchObject({ code: 'engine_mismatch' })
    await expect(enqueue({ $queryRawUnsafe: async () => [], _activeProvider: 'sqlite' } as never, 'q', 1)).rejects.toMatchObject({ code: 'engine_mismatch' })
  })
})
