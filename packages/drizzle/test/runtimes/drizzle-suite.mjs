// @honker/drizzle on a driver other than better-sqlite3, in that driver's own runtime: Drizzle's
// bun-sqlite driver under Bun (test/runtimes.test.ts spawns it). Plain JavaScript over the BUILT
// packages (@honker/drizzle, @honker/core), so Bun runs it as it is; it never imports
// better-sqlite3, which Bun cannot load. Prints one JSON line per check and a final
// { done, driver, honkerDriver }.
//
// Usage: <runtime> drizzle-suite.mjs <driver> <dir>     driver: bun:sqlite (node:sqlite once
// the supported drizzle-orm has a node-sqlite driver: 0.45 has none)
import path from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { createHonker, enqueue, honkerLive, honkerStreamConsumers, notify, publish, saveOffset } from '@honker/drizzle'
import { assert, caught, codeOf, equal, runChecks, sleep, until } from '@honker/testkit/checks'

const [driver, dir] = process.argv.slice(2)
const orders = sqliteTable('orders', { id: integer('id').primaryKey(), note: text('note').notNull() })

/** The library's own handle and Drizzle's driver for it, as an app on this runtime would write them. */
async function library() {
  if (driver === 'bun:sqlite') {
    const { Database } = await import('bun:sqlite')
    const { drizzle } = await import('drizzle-orm/bun-sqlite')
    // bun:sqlite waits for no lock by default: the app sets busy_timeout as better-sqlite3's default does.
    return { connect: (file) => withBusyTimeout(new Database(file)), drizzle }
  }
  if (driver === 'node:sqlite') {
    const { DatabaseSync } = await import('node:sqlite')
    const { drizzle } = await import('drizzle-orm/node-sqlite')
    return { connect: (file) => new DatabaseSync(file, { timeout: 5000 }), drizzle }
  }
  throw new Error(`unknown driver ${driver}`)
}

function withBusyTimeout(client) {
  client.exec('PRAGMA busy_timeout = 5000')
  return client
}

const { connect, drizzle } = await library()
let files = 0

/** A fresh app: the client, Drizzle on it, the app's table, and Honker on the same file. */
function app(onCleanup) {
  const file = path.join(dir, `app-${++files}.db`)
  const client = connect(file)
  const db = drizzle({ client })
  db.run(sql`CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT NOT NULL)`)
  const honker = createHonker({ db })
  onCleanup(() => client.close())
  onCleanup(() => honker.close())
  const count = (table) => Number(db.all(sql.raw(`SELECT count(*) AS n FROM ${table}`))[0].n)
  return { file, client, db, honker, count }
}

class Declined extends Error {}

const checks = {
  'enqueue in a committed transaction: a plain number, committed with the business row'(onCleanup) {
    const { db, honker, count } = app(onCleanup)
    const result = db.transaction((tx) => {
      const order = tx.insert(orders).values({ note: 'paid' }).returning().get()
      const jobId = enqueue(tx, 'emails', { orderId: order.id }, { priority: 5, maxAttempts: 2 })
      assert(typeof jobId === 'number', `enqueue returns a number inside the sync transaction, got ${typeof jobId}`)
      return { orderId: order.id, jobId }
    })
    const job = honker.queue('emails').getJob(result.jobId)
    equal([job?.state, job?.priority, job?.maxAttempts, job?.payloadText], ['pending', 5, 2, JSON.stringify({ orderId: result.orderId })], 'the job')
    // The schema's typed table reads the same row through Drizzle.
    const row = db.select().from(honkerLive).where(eq(honkerLive.id, result.jobId)).get()
    equal([row?.queue, row?.state, row?.attempts], ['emails', 'pending', 0], 'the row through honkerLive')
    equal(count('orders'), 1, 'orders')
    // The root database works too, as its own transaction.
    equal(typeof enqueue(db, 'emails', { direct: true }), 'number', 'enqueue on the root database')
    equal(honker.queue('emails').counts().pending, 2, 'pending jobs')
  },

  'rollback through a throw drops the job with the business row; a nested transaction rolls back alone'(onCleanup) {
    const { db, honker, count } = app(onCleanup)
    let error = null
    try {
      db.transaction((tx) => {
        tx.insert(orders).values({ note: 'declined' }).run()
        enqueue(tx, 'emails', { to: 'b@example.com' })
        throw new Declined('card declined')
      })
    } catch (thrown) {
      error = thrown
    }
    assert(error instanceof Declined, `the error passes through, got ${error}`)
    equal([count('orders'), count('_honker_live')], [0, 0], 'orders and jobs after the rollback')
    const outer = db.transaction((tx) => {
      const id = enqueue(tx, 'emails', 'outer')
      try {
        tx.transaction((inner) => {
          enqueue(inner, 'emails', 'inner')
          throw new Declined('inner fails')
        })
      } catch {}
      return id
    })
    equal(honker.queue('emails').counts().pending, 1, 'only the outer job')
    equal(honker.queue('emails').getJob(outer)?.payloadText, '"outer"', 'the outer job')
    let rolledBack = null
    try {
      db.transaction((tx) => {
        enqueue(tx, 'emails', 'rolled back')
        tx.rollback()
      })
    } catch (thrown) {
      rolledBack = thrown
    }
    assert(rolledBack !== null, "Drizzle's tx.rollback() throws")
    equal(honker.queue('emails').counts().pending, 1, "after Drizzle's tx.rollback()")
  },

  'notify, publish with { key } and saveOffset in a transaction: committed with it, dropped by a rollback'(onCleanup) {
    const { db, honker, count } = app(onCleanup)
    const [note, first, second, moved] = db.transaction((tx) => [
      notify(tx, 'orders', { id: 1 }),
      publish(tx, 'orders', { n: 1 }, { key: 'order-1' }),
      publish(tx, 'orders', { n: 2 }),
      saveOffset(tx, 'totals', 'orders', 1),
    ])
    equal([typeof note, typeof first, typeof second, moved], ['number', 'number', 'number', true], 'results')
    equal(
      honker.stream('orders').readSince(0, 10).map((event) => [event.offset, event.key, event.payload]),
      [[first, 'order-1', { n: 1 }], [second, null, { n: 2 }]],
      'the stream',
    )
    equal(db.transaction((tx) => saveOffset(tx, 'totals', 'orders', second)), true, 'the offset moves forward')
    equal(db.transaction((tx) => saveOffset(tx, 'totals', 'orders', first)), false, 'and never back')
    try {
      db.transaction((tx) => {
        notify(tx, 'orders', { id: 'dropped' })
        publish(tx, 'orders', { n: 'dropped' })
        saveOffset(tx, 'audit', 'orders', second)
        throw new Declined('effect failed')
      })
    } catch {}
    equal(count('_honker_notifications'), 1, 'notifications after the rollback')
    equal(honker.stream('orders').readSince(0, 10).length, 2, 'events after the rollback')
    equal(db.select().from(honkerStreamConsumers).all(), [{ name: 'totals', topic: 'orders', offset: second }], 'consumers')
    equal(codeOf(() => db.transaction((tx) => publish(tx, 'orders', {}, 'k'))), 'invalid_argument', 'a positional key')
  },

  async 'a worker and a listener from createHonker in this process are woken by a commit'(onCleanup) {
    const { db, honker } = app(onCleanup)
    const seen = []
    const worker = honker.queue('emails').work((job) => void seen.push(job.payload), { fallbackPollMs: null })
    onCleanup(() => worker.stop())
    const listener = honker.listen('orders', { fallbackPollMs: null })
    onCleanup(() => listener.close())
    await sleep(50)
    db.transaction((tx) => {
      tx.insert(orders).values({ note: 'placed' }).run()
      enqueue(tx, 'emails', { wake: 1 })
      notify(tx, 'orders', { placed: 1 })
    })
    await until(() => seen.length === 1, 'the worker handles the job')
    equal(seen, [{ wake: 1 }], 'handled payloads')
    const { value } = await listener.next()
    equal(value?.payload, { placed: 1 }, 'the notification')
    await worker.stop()
    equal(honker.queue('emails').counts(), { pending: 0, delayed: 0, processing: 0, dead: 0 }, 'counts after')
  },

  async 'bad input: a closed client, :memory:, a transaction, bad arguments; nothing written'(onCleanup) {
    const { db, count } = app(onCleanup)
    const memory = drizzle({ client: connect(':memory:') })
    onCleanup(() => memory.$client.close())
    equal(codeOf(() => createHonker({ db: memory })), 'memory_database', ':memory:')
    const closedClient = connect(path.join(dir, `closed-${++files}.db`))
    const closed = drizzle({ client: closedClient })
    closedClient.close()
    equal(codeOf(() => createHonker({ db: closed })), 'closed', 'a closed client')
    // Drizzle's own error on the closed client passes through, as on better-sqlite3.
    assert((await caught(() => enqueue(closed, 'emails', 1))) !== null, 'enqueue on a closed client throws')
    db.transaction((tx) => equal(codeOf(() => createHonker({ db: tx })), 'invalid_argument', 'a transaction'))
    equal(codeOf(() => createHonker({ db: { $client: { url: 'file:x.db' } } })), 'invalid_argument', 'a libSQL-like client')
    equal(codeOf(() => db.transaction((tx) => enqueue(tx, '', 1))), 'invalid_argument', 'an empty queue name')
    equal(codeOf(() => db.transaction((tx) => enqueue(tx, 'emails', { big: 1n }))), 'invalid_payload', 'a bigint payload')
    equal(codeOf(() => enqueue({}, 'emails', 1)), 'invalid_argument', 'not a Drizzle database')
    equal(count('_honker_live'), 0, 'nothing written')
  },

  async 'the sync rule: an async callback commits at its first await, and what follows autocommits (docs/adapters/drizzle.md)'(onCleanup) {
    // What another driver does with an async callback is for its own branch to pin down once it runs.
    if (driver !== 'bun:sqlite') return
    const { db, count } = app(onCleanup)
    let returned
    const thrown = await caught(() => {
      returned = db.transaction(async (tx) => {
        tx.insert(orders).values({ note: 'before the await' }).run()
        await null
        enqueue(tx, 'emails', { n: 'escaped' })
        throw new Declined('too late to roll back')
      })
    })
    // bun:sqlite takes the promise as the callback's result (better-sqlite3 >= 11.10 throws instead).
    equal(thrown, null, 'db.transaction with an async callback')
    assert((await caught(() => returned)) instanceof Declined, 'the promise rejects')
    equal([count('orders'), count('_honker_live')], [1, 1], 'both writes committed despite the throw')
  },
}

await runChecks(checks, () => {
  const file = path.join(dir, 'final.db')
  const client = connect(file)
  const honker = createHonker({ db: drizzle({ client }) })
  const honkerDriver = honker.executor.connection.driver.name
  honker.close()
  client.close()
  return { driver, honkerDriver }
})
