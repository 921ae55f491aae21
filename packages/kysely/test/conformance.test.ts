import type { Transaction } from 'kysely'
import { defineConformanceSuite } from '@honker/testkit'
import { createHonker, enqueue, notify, publish } from '../src/index.ts'
import { migrateToLatest, openApp, type AppTables } from './app.ts'

// Kysely on SqliteDialect (better-sqlite3): the Honker tables come from the app's Migrator, every
// write goes through Kysely's async Transaction, and the full API through createHonker.
defineConformanceSuite({
  name: 'kysely',
  async open(file) {
    const { sqlite, db, migrator } = openApp(file)
    await migrateToLatest(migrator)
    const honker = createHonker({ db, database: sqlite })
    const trx = (tx: unknown) => tx as Transaction<AppTables>
    return {
      honker,
      transaction: (fn) => db.transaction().execute(async (tx) => fn(tx)),
      insertOrder: (tx, note) => trx(tx).insertInto('orders').values({ note }).execute(),
      enqueue: (tx, queue, payload, options) => enqueue(trx(tx), queue, payload, options),
      notify: (tx, channel, payload) => notify(trx(tx), channel, payload),
      publish: (tx, topic, payload, key) => publish(trx(tx), topic, payload, { key }),
      close: async () => {
        honker.close()
        await db.destroy()
      },
    }
  },
})
