// The conformance suite every integration passes, on PostgreSQL: Prisma 7 with @prisma/adapter-pg
// (a client generated for postgresql), a database of its own per check with Honker's shipped
// migration applied offline, a worker process on @honker/postgres.
import { mkdirSync, mkdtempSync, cpSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { defineConformanceSuite, spawnWorkerScript } from '@honker/testkit'
import { createTestDatabase, postgresWorkerScript } from '@honker/testkit/postgres-setup'
import { applyPostgresMigrations, createHonker, enqueue, honkerPostgresMigrationsDir, notify, publish } from '../src/pg.ts'
import { PrismaClient } from './generated-pg/client/client.ts'

defineConformanceSuite({
  name: 'prisma-postgres',
  async open() {
    const url = await createTestDatabase('prisma_conformance')
    const pool = new pg.Pool({ connectionString: url, max: 4 })
    const outside = new pg.Pool({ connectionString: url, max: 1, options: '-c search_path=honker,public' })
    const dir = mkdtempSync(path.join(tmpdir(), 'honker-prisma-conformance-'))
    cpSync(honkerPostgresMigrationsDir, dir, { recursive: true })
    mkdirSync(path.join(dir, '0100_orders'))
    writeFileSync(path.join(dir, '0100_orders', 'migration.sql'), 'CREATE TABLE "orders" ("id" SERIAL PRIMARY KEY, "note" TEXT);\n')
    await applyPostgresMigrations({ postgres: pool, dir })
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
    const honker = await createHonker({ postgres: pool })
    return {
      honker,
      transaction: (fn) => prisma.$transaction((tx) => Promise.resolve(fn(tx))),
      insertOrder: (tx, note) => (tx as PrismaClient).order.create({ data: { note } }),
      enqueue: (tx, queue, payload, options) => enqueue(tx as PrismaClient, queue, payload, options),
      notify: (tx, channel, payload) => notify(tx as PrismaClient, channel, payload),
      publish: (tx, topic, payload, key) => publish(tx as PrismaClient, topic, payload, { key }),
      count: async (sql) => Number((await outside.query(sql)).rows[0].count),
      spawnWorker: (queue) => spawnWorkerScript(postgresWorkerScript(import.meta.url), { url, queue }),
      async close() {
        honker.close()
        await prisma.$disconnect()
        await pool.end().catch(() => {})
        await outside.end()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
})
