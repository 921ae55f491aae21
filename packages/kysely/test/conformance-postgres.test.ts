// The conformance suite every integration passes, on PostgreSQL: Kysely's PostgresDialect, a
// database of its own per check, a worker process on @honker/postgres.
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { defineConformanceSuite, spawnWorkerScript } from '@honker/testkit'
import { createTestDatabase, postgresWorkerScript } from '@honker/testkit/postgres-setup'
import { createHonker, enqueue, honkerMigration, notify, publish } from '../src/index.ts'

defineConformanceSuite({
  name: 'kysely-postgres',
  async open() {
    const url = await createTestDatabase('kysely_conformance')
    const pool = new pg.Pool({ connectionString: url, max: 4 })
    const outside = new pg.Pool({ connectionString: url, max: 1, options: '-c search_path=honker,public' })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
    await db.schema.createTable('orders').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('note', 'text').execute()
    await honkerMigration.up(db)
    const honker = await createHonker({ db, postgres: pool })
    return {
      honker,
      transaction: (fn) => db.transaction().execute((trx) => Promise.resolve(fn(trx))),
      insertOrder: (trx, note) => (trx as Kysely<any>).insertInto('orders').values({ note }).execute(),
      enqueue: (trx, queue, payload, options) => enqueue(trx as never, queue, payload, options),
      notify: (trx, channel, payload) => notify(trx as never, channel, payload),
      publish: (trx, topic, payload, key) => publish(trx as never, topic, payload, { key }),
      count: async (sql) => Number((await outside.query(sql)).rows[0].count),
      spawnWorker: (queue) => spawnWorkerScript(postgresWorkerScript(import.meta.url), { url, queue }),
      async close() {
        honker.close()
        await db.destroy()
        await outside.end()
      },
    }
  },
})
