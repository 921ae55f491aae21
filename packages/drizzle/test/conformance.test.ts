import Sqlite from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { defineConformanceSuite } from '@honker/testkit'
import { createHonker, enqueue, notify, publish } from '../src/index.ts'

const orders = sqliteTable('orders', { id: integer('id').primaryKey(), note: text('note') })

type Tx = Parameters<Parameters<BetterSQLite3Database['transaction']>[0]>[0]

// Drizzle on better-sqlite3: the app's own connection and Drizzle transactions; Honker's worker
// side comes from createHonker({ db }) on the same file.
defineConformanceSuite({
  name: 'drizzle-better-sqlite3',
  async open(file) {
    const client = new Sqlite(file)
    const db = drizzle({ client })
    db.run(sql`CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)`)
    const honker = createHonker({ db })
    return {
      honker,
      // Synchronous on better-sqlite3: `fn` runs inside better-sqlite3's own transaction.
      transaction: async (fn) => db.transaction((tx) => fn(tx) as never),
      insertOrder: (tx, note) => (tx as Tx).insert(orders).values({ note }).run(),
      enqueue: (tx, queue, payload, options) => enqueue(tx as Tx, queue, payload, options),
      notify: (tx, channel, payload) => notify(tx as Tx, channel, payload),
      publish: (tx, topic, payload, key) => publish(tx as Tx, topic, payload, { key }),
      close: async () => {
        honker.close()
        client.close()
      },
    }
  },
})
