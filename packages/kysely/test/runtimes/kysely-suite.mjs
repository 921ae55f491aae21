// @honker/kysely on node:sqlite (under Node 24) and bun:sqlite (under Bun), each in its own runtime
// (test/runtimes.test.ts spawns it). Plain JavaScript over the BUILT packages (@honker/kysely,
// @honker/core), so each runtime runs it as it is; it never imports better-sqlite3, which neither
// Bun nor Node 24 can load here. Prints one JSON line per check and a final { done, driver, ... }.
//
// Usage: <runtime> kysely-suite.mjs <driver> <dir>     driver: node:sqlite | bun:sqlite
import path from 'node:path'
import { CompiledQuery, Kysely, Migrator, sql, SqliteDialect } from 'kysely'
import { createHonker, enqueue, honkerMigration, ImmediateSqliteDialect, notify, publish, saveOffset, sqliteDatabaseFor } from '@honker/kysely'
import { assert, caught, codeOf, codeOfAsync, equal, runChecks, sleep, until } from '@honker/testkit/checks'

const [driver, dir] = process.argv.slice(2)

/** The library's own handle, opened as an app on this runtime would: WAL, and a busy timeout. */
async function library() {
  if (driver === 'node:sqlite') {
    const { DatabaseSync } = await import('node:sqlite')
    return (file) => configure(new DatabaseSync(file, { timeout: 5000 }))
  }
  if (driver === 'bun:sqlite') {
    const { Database } = await import('bun:sqlite')
    return (file) => configure(new Database(file), 'PRAGMA busy_timeout = 5000')
  }
  throw new Error(`unknown driver ${driver}`)
}

function configure(handle, ...pragmas) {
  for (const pragma of ['PRAGMA journal_mode = WAL', ...pragmas]) handle.exec(pragma)
  return handle
}

const connect = await library()
let files = 0
const nextFile = (name = 'app') => path.join(dir, `${name}-${++files}.db`)

const ordersMigration = {
  up: (db) => db.schema.createTable('orders').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('note', 'text').execute(),
  down: (db) => db.schema.dropTable('orders').execute(),
}

/** A fresh app: its handle, Kysely on it (via sqliteDatabaseFor), migrated with honkerMigration, and Honker on the same file. */
async function app(onCleanup, Dialect = SqliteDialect) {
  const file = nextFile()
  const handle = connect(file)
  const db = new Kysely({ dialect: new Dialect({ database: sqliteDatabaseFor(handle) }) })
  onCleanup(() => db.destroy())
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ '0000_honker': honkerMigration, '0001_orders': ordersMigration }) } })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) throw error
  const honker = createHonker({ db, database: handle })
  onCleanup(() => honker.close())
  const count = async (table) => Number((await db.executeQuery(CompiledQuery.raw(`SELECT count(*) AS n FROM ${table}`))).rows[0].n)
  return { file, handle, db, honker, count }
}

class Declined extends Error {}

const checks = {
  async 'enqueue in a committed transaction, on tables honkerMigration created through Kysely'(onCleanup) {
    const { db, honker, count } = await app(onCleanup)
    const before = Math.floor(Date.now() / 1000)
    const { orderId, jobId } = await db.transaction().execute(async (trx) => {
      const order = await trx.insertInto('orders').values({ note: 'paid' }).returning('id').executeTakeFirstOrThrow()
      return { orderId: order.id, jobId: await enqueue(trx, 'emails', { orderId: order.id }, { priority: 5, maxAttempts: 2, delayS: 60 }) }
    })
    const second = await db.transaction().execute((trx) => enqueue(trx, 'emails', { n: 2 }))
    equal(second, jobId + 1, 'ids follow each other')
    const job = honker.queue('emails').getJob(jobId)
    equal([job?.state, job?.priority, job?.maxAttempts, job?.payloadText], ['pending', 5, 2, JSON.stringify({ orderId })], 'the job')
    assert(job.runAt >= before + 60, `run_at ${job.runAt} is at least 60 s after ${before}`)
    const rows = await db.selectFrom('_honker_live').select(['id', 'queue', 'state']).orderBy('id').execute()
    equal(rows, [{ id: jobId, queue: 'emails', state: 'pending' }, { id: second, queue: 'emails', state: 'pending' }], 'the rows through Kysely')
    equal(await count('orders'), 1, 'orders')
    // core's open() found the schema the Kysely migration made: one ledger, nothing applied twice.
    equal(await count('_honker_ts_migrations'), honker.executor.connection.prepare('SELECT count(*) FROM _honker_ts_migrations').value(), 'the ledger')
  },

  async 'rollback through a throw drops the job with the business row; savepoints roll back alone'(onCleanup) {
    const { db, honker, count } = await app(onCleanup)
    const error = await caught(() =>
      db.transaction().execute(async (trx) => {
        await trx.insertInto('orders').values({ note: 'declined' }).execute()
        await enqueue(trx, 'emails', { to: 'b@example.com' })
        throw new Declined('card declined')
      }),
    )
    assert(error instanceof Declined, `the error passes through, got ${error}`)
    equal([await count('orders'), await count('_honker_live')], [0, 0], 'orders and jobs after the rollback')
    const trx = await db.startTransaction().execute()
    const kept = await enqueue(trx, 'emails', { n: 'kept' })
    const savepoint = await trx.savepoint('maybe').execute()
    await enqueue(savepoint, 'emails', { n: 'undone' })
    await savepoint.rollbackToSavepoint('maybe').execute()
    await trx.commit().execute()
    equal(honker.queue('emails').counts().pending, 1, 'only the kept job')
    equal(honker.queue('emails').getJob(kept)?.payloadText, '{"n":"kept"}', 'the kept job')
  },

  async 'notify, publish with { key } and saveOffset in a transaction: committed with it, dropped by a rollback'(onCleanup) {
    const { db, honker, count } = await app(onCleanup)
    const [note, first, second, moved] = await db.transaction().execute(async (trx) => [
      await notify(trx, 'orders', { id: 1 }),
      await publish(trx, 'orders', { n: 1 }, { key: 'order-1' }),
      await publish(trx, 'orders', { n: 2 }),
      await saveOffset(trx, 'totals', 'orders', 1),
    ])
    equal([typeof note, typeof first, typeof second, moved], ['number', 'number', 'number', true], 'results')
    equal(
      honker.stream('orders').readSince(0, 10).map((event) => [event.offset, event.key, event.payload]),
      [[first, 'order-1', { n: 1 }], [second, null, { n: 2 }]],
      'the stream',
    )
    equal(await db.transaction().execute((trx) => saveOffset(trx, 'totals', 'orders', second)), true, 'the offset moves forward')
    equal(await db.transaction().execute((trx) => saveOffset(trx, 'totals', 'orders', first)), false, 'and never back')
    await caught(() =>
      db.transaction().execute(async (trx) => {
        await notify(trx, 'orders', { id: 'dropped' })
        await publish(trx, 'orders', { n: 'dropped' })
        await saveOffset(trx, 'audit', 'orders', second)
        throw new Declined('effect failed')
      }),
    )
    equal(await count('_honker_notifications'), 1, 'notifications after the rollback')
    equal(honker.stream('orders').readSince(0, 10).length, 2, 'events after the rollback')
    equal(await db.selectFrom('_honker_stream_consumers').selectAll().execute(), [{ name: 'totals', topic: 'orders', offset: second }], 'consumers')
    equal(await codeOfAsync(() => db.transaction().execute((trx) => publish(trx, 'orders', {}, 7))), 'invalid_argument', 'options that are not an object')
  },

  async 'a worker and a listener from createHonker in this process are woken by a commit (ImmediateSqliteDialect)'(onCleanup) {
    const { db, honker } = await app(onCleanup, ImmediateSqliteDialect)
    const seen = []
    const worker = honker.queue('emails').work(
      async (job) => {
        // A handler writing through Kysely while Honker's own connection holds the claim.
        await db.transaction().execute((trx) => trx.updateTable('orders').set({ note: 'emailed' }).where('id', '=', job.payload.orderId).execute())
        seen.push(job.payload)
      },
      { fallbackPollMs: null },
    )
    onCleanup(() => worker.stop())
    const listener = honker.listen('orders', { fallbackPollMs: null })
    onCleanup(() => listener.close())
    await sleep(50)
    for (let i = 0; i < 5; i++) {
      await db.transaction().execute(async (trx) => {
        const order = await trx.insertInto('orders').values({ note: 'placed' }).returning('id').executeTakeFirstOrThrow()
        await enqueue(trx, 'emails', { orderId: order.id })
        await notify(trx, 'orders', { placed: order.id })
      })
    }
    await until(() => seen.length === 5, 'the worker handles every job')
    const { value } = await listener.next()
    equal(value?.payload, { placed: 1 }, 'the first notification')
    await worker.stop()
    equal(honker.queue('emails').counts(), { pending: 0, delayed: 0, processing: 0, dead: 0 }, 'counts after')
    equal(await db.selectFrom('orders').select('note').distinct().execute(), [{ note: 'emailed' }], 'every handler wrote')
  },

  async 'bad input: a closed handle, :memory:, a transaction, another library, bad arguments; nothing written'(onCleanup) {
    const { db, handle, count } = await app(onCleanup)
    const memory = connect(':memory:')
    onCleanup(() => memory.close())
    equal(codeOf(() => createHonker({ db, database: memory })), 'memory_database', ':memory:')
    const closed = connect(nextFile('closed'))
    closed.close()
    equal(codeOf(() => createHonker({ db, database: closed })), 'closed', 'createHonker on a closed handle')
    equal(codeOf(() => sqliteDatabaseFor(closed)), 'closed', 'sqliteDatabaseFor on a closed handle')
    await db.transaction().execute(async (trx) => {
      equal(codeOf(() => createHonker({ db: trx, database: handle })), 'invalid_argument', 'a transaction as db')
    })
    equal(codeOf(() => createHonker({ db })), 'invalid_argument', 'no handle')
    equal(codeOf(() => createHonker({ db, database: { prepare() {}, close() {} } })), 'unsupported_driver', 'another library')
    equal(codeOf(() => sqliteDatabaseFor({ prepare() {}, close() {} })), 'unsupported_driver', 'sqliteDatabaseFor on another library')
    equal(await codeOfAsync(() => db.transaction().execute((trx) => enqueue(trx, '', 1))), 'invalid_argument', 'an empty queue name')
    equal(await codeOfAsync(() => db.transaction().execute((trx) => enqueue(trx, 'emails', { big: 1n }))), 'invalid_payload', 'a bigint payload')
    equal(await codeOfAsync(() => enqueue(db, 'emails', 1)), 'invalid_argument', 'the Kysely instance instead of a transaction')
    equal(await count('_honker_live'), 0, 'nothing written')
  },

  async 'sqliteDatabaseFor: SqliteDialect reads, writes, streams and closes through it'(onCleanup) {
    const handle = connect(nextFile())
    const database = sqliteDatabaseFor(handle)
    const db = new Kysely({ dialect: new SqliteDialect({ database }) })
    await db.schema.createTable('t').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('v', 'text').execute()
    const inserted = await db.insertInto('t').values([{ v: 'a' }, { v: 'b' }]).executeTakeFirst()
    equal([inserted.numInsertedOrUpdatedRows, inserted.insertId], [2n, 2n], 'an insert reports its changes and rowid')
    equal(await db.selectFrom('t').selectAll().orderBy('id').execute(), [{ id: 1, v: 'a' }, { id: 2, v: 'b' }], 'a select returns rows')
    equal(await db.insertInto('t').values({ v: 'c' }).returning('id').execute(), [{ id: 3 }], 'RETURNING is a read')
    equal((await db.updateTable('t').set({ v: 'z' }).where('id', '>', 1).executeTakeFirst()).numUpdatedRows, 2n, 'an update reports its changes')
    const streamed = []
    for await (const row of db.selectFrom('t').select('v').orderBy('id').stream()) streamed.push(row.v)
    equal(streamed, ['a', 'z', 'z'], 'stream() iterates')
    if (driver === 'bun:sqlite') {
      // Bun's statements have better-sqlite3's `reader`: the handle itself is what Kysely gets.
      assert(database === handle, 'sqliteDatabaseFor returns a bun:sqlite handle as it is')
    } else {
      // Why the wrapper exists: node:sqlite's DatabaseSync itself does not fit SqliteDialect
      // (docs/adapters/kysely.md). No `reader`: every query runs as a write, and reads come back empty.
      const raw = new Kysely({ dialect: new SqliteDialect({ database: connect(nextFile('raw')) }) })
      onCleanup(() => raw.destroy())
      await sql`CREATE TABLE t (v TEXT)`.execute(raw)
      await sql`INSERT INTO t VALUES ('a')`.execute(raw)
      equal(await raw.selectFrom('t').selectAll().execute(), [], 'a raw DatabaseSync: a select returns no rows')
      // Parameters as one array: DatabaseSync takes them spread.
      const failure = await caught(() => raw.selectFrom('t').selectAll().where('v', '=', 'a').execute())
      assert(/Unknown named parameter/.test(failure?.message), `a raw DatabaseSync: parameters fail, got ${failure}`)
    }
    await db.destroy()
    equal(codeOf(() => createHonker({ db: new Kysely({ dialect: new SqliteDialect({ database }) }), database: handle })), 'closed', 'db.destroy() closed the handle')
  },
}

await runChecks(checks, () => {
  const handle = connect(nextFile('final'))
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqliteDatabaseFor(handle) }) })
  const honker = createHonker({ db, database: handle })
  const honkerDriver = honker.executor.connection.driver.name
  const sqlite = honker.executor.connection.prepare('SELECT sqlite_version()').value()
  honker.close()
  handle.close()
  return { driver, honkerDriver, sqlite }
})
