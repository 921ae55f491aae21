// The conformance suite every integration passes, on PostgreSQL: drizzle-orm/node-postgres, a
// database of its own per check, a worker process on @honker/postgres.
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { pgTable, serial, text } from 'drizzle-orm/pg-core'
import pg from 'pg'
import { defineConformanceSuite, spawnWorkerScript } from '@honker/testkit'
import { createTestDatabase, postgresWorkerScript } from '@honker/testkit/postgres-setup'
import { createHonker, enqueue, honkerMigrate, notify, publish, type DrizzlePg } from '../src/pg/index.ts'

const orders = pgTable('orders', { id: serial('id').primaryKey(), note: text('note') })

defineConformanceSuite({
  name: 'drizzle-postgres',
  async open() {
    const url = await createTestDatabase('drizzle_conformance')
    const pool = new pg.Pool({ connectionString: url, max: 4 })
    const outside = new pg.Pool({ connectionString: url, max: 1, options: '-c search_path=honker,public' })
    const db = drizzle(pool)
    await db.execute(sql`CREATE TABLE orders (id serial PRIMARY KEY, note text)`)
    await honkerMigrate(db)
    const honker = await createHonker({ db })
    return {
      honker,
      transaction: (fn) => db.transaction((tx) => Promise.resolve(fn(tx))),
      insertOrder: (tx, note) => (tx as typeof db).insert(orders).values({ note }),
      enqueue: (tx, queue, payload, options) => enqueue(tx as DrizzlePg, queue, payload, options),
      notify: (tx, channel, payload) => notify(tx as DrizzlePg, channel, payload),
      publish: (tx, topic, payload, key) => publish(tx as DrizzlePg, topic, payload, { key }),
      count: async (text) => Number((await outside.query(text)).rows[0].count),
      spawnWorker: (queue) => spawnWorkerScript(postgresWorkerScript(import.meta.url), { url, queue }),
      async close() {
        honker.close()
        await pool.end()
        await outside.end()
      },
    }
  },
})
