import Sqlite from 'better-sqlite3'
import { CamelCasePlugin, SqliteDialect, type KyselyPlugin, type Transaction } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import type { Database } from '@honker/core'
import { tempDatabase } from '@honker/testkit'
import { createHonker, enqueue, ImmediateSqliteDialect, notify, publish, saveOffset, sqliteDatabaseFor, type HonkerTables } from '../src/index.ts'
import { migrateToLatest, openApp, type App, type AppTables } from './app.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Setup extends App {
  file: string
  honker: Database
}

/** A migrated app on a fresh file, with Honker set up on it; everything is closed after the test. */
async function setup(options?: Parameters<typeof openApp>[1]): Promise<Setup> {
  const { file, remove } = tempDatabase()
  cleanups.push(remove)
  const opened = openApp(file, options)
  cleanups.push(() => opened.db.destroy())
  await migrateToLatest(opened.migrator)
  const honker = createHonker({ db: opened.db, database: opened.sqlite })
  cleanups.push(() => honker.close())
  return { ...opened, file, honker }
}

/** Another connection to the file, as another process would have. */
function connect(file: string, busyTimeoutMs: number): Sqlite.Database {
  const db = new Sqlite(file)
  db.pragma(`busy_timeout = ${busyTimeoutMs}`)
  cleanups.push(() => db.close())
  return db
}

/** A promise and the function that settles it, to hold a transaction open at a chosen point. */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((settle) => (resolve = settle))
  return { promise, resolve }
}

const liveRow = (file: string, id: number) => connect(file, 0).prepare(`SELECT * FROM _honker_live WHERE id = ?`).get(id)
const liveCount = (file: string) => connect(file, 0).prepare(`SELECT count(*) FROM _honker_live`).pluck().get()

class Rollback extends Error {}

describe('enqueue / notify / publish / saveOffset with Kysely transactions', () => {
  it('are unaffected by CamelCasePlugin: the id is right and the row is as written', async () => {
    const { db, file, honker } = await setup({ plugins: [new CamelCasePlugin()] })
    const before = Math.floor(Date.now() / 1000)
    const ids = await db.transaction().execute(async (trx) => {
      await trx.insertInto('orders').values({ note: 'camel' }).execute()
      const first = await enqueue(trx, 'emails', { toAddress: 'a@example.com' }, { priority: 2, maxAttempts: 7, delayS: 60 })
      const second = await enqueue(trx, 'emails', { toAddress: 'b@example.com' })
      return [first, second, await notify(trx, 'orders', { orderId: 1 }), await publish(trx, 'orders', { orderId: 1 }, { key: 'order-1' })]
    })
    const [first, second, notification, offset] = ids as [number, number, number, number]
    expect(second).toBe(first + 1)
    expect(liveRow(file, first)).toMatchObject({
      queue: 'emails',
      payload: '{"toAddress":"a@example.com"}',
      state: 'pending',
      priority: 2,
      max_attempts: 7,
      attempts: 0,
      worker_id: null,
    })
    expect((liveRow(file, first) as { run_at: number }).run_at).toBeGreaterThanOrEqual(before + 60)
    expect(liveRow(file, second)).toMatchObject({ payload: '{"toAddress":"b@example.com"}', max_attempts: 3 })
    expect(connect(file, 0).prepare(`SELECT channel, payload FROM _honker_notifications WHERE id = ?`).get(notification)).toEqual({
      channel: 'orders',
      payload: '{"orderId":1}',
    })
    expect(honker.stream('orders').readSince(0, 10)).toMatchObject([{ offset, key: 'order-1', payload: { orderId: 1 } }])
  })

  it('run without the app’s plugins even when one rewrites every result row', async () => {
    const renameKeys: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async ({ result }) => ({
        ...result,
        rows: result.rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [`renamed_${key}`, value]))),
      }),
    }
    const { db, file } = await setup({ plugins: [renameKeys] })
    const id = await db.transaction().execute((trx) => enqueue(trx, 'emails', { n: 1 }))
    expect(id).toBe(1)
    expect(liveRow(file, id)).toMatchObject({ queue: 'emails', payload: '{"n":1}' })
  })

  it('roll back with a controlled transaction and a savepoint, and commit with them', async () => {
    const { db, file, honker } = await setup()
    const rolledBack = await db.startTransaction().execute()
    await enqueue(rolledBack, 'emails', { n: 'dropped' })
    await rolledBack.rollback().execute()
    expect(liveCount(file)).toBe(0)

    const trx = await db.startTransaction().execute()
    const kept = await enqueue(trx, 'emails', { n: 'kept' })
    const savepoint = await trx.savepoint('maybe').execute()
    await enqueue(savepoint, 'emails', { n: 'undone' })
    await savepoint.rollbackToSavepoint('maybe').execute()
    await trx.commit().execute()
    expect(liveCount(file)).toBe(1)
    expect(honker.queue('emails').getJob(kept)?.payloadText).toBe('{"n":"kept"}')
  })

  it('reject a plain Kysely instance at runtime too, writing nothing', async () => {
    const { db, file } = await setup()
    const notATransaction = db as unknown as Transaction<AppTables>
    await expect(enqueue(notATransaction, 'emails', {})).rejects.toMatchObject({ code: 'invalid_argument', argument: 'trx' })
    await expect(notify(notATransaction, 'orders', {})).rejects.toMatchObject({ code: 'invalid_argument' })
    expect(liveCount(file)).toBe(0)
  })

  it('reject bad arguments as promises, before anything is written', async () => {
    const { db, file } = await setup()
    await expect(
      db.transaction().execute(async (trx) => {
        const pending = enqueue(trx, '', { n: 1 })
        expect(pending).toBeInstanceOf(Promise)
        await pending
      }),
    ).rejects.toMatchObject({ code: 'invalid_argument', argument: 'queue' })
    expect(liveCount(file)).toBe(0)
  })

  it('publish takes the key as { key }, like the other adapters; the positional key of 0.1 still works', async () => {
    const { db, honker } = await setup()
    const offsets = await db.transaction().execute(async (trx) => [
      await publish(trx, 'orders', { n: 1 }, { key: 'order-1' }),
      await publish(trx, 'orders', { n: 2 }),
      await publish(trx, 'orders', { n: 3 }, { key: null }),
      await publish(trx, 'orders', { n: 4 }, 'order-4'),
    ])
    expect(honker.stream('orders').readSince(0, 10).map((e) => [e.offset, e.key, e.payload])).toEqual([
      [offsets[0], 'order-1', { n: 1 }],
      [offsets[1], null, { n: 2 }],
      [offsets[2], null, { n: 3 }],
      [offsets[3], 'order-4', { n: 4 }],
    ])
    await expect(db.transaction().execute((trx) => publish(trx, 'orders', {}, 7 as never))).rejects.toMatchObject({ code: 'invalid_argument', argument: 'options' })
    await expect(db.transaction().execute((trx) => publish(trx, 'orders', {}, { key: 7 } as never))).rejects.toMatchObject({ code: 'invalid_argument' })
    expect(honker.stream('orders').readSince(0, 10)).toHaveLength(4)
  })

  it('save stream offsets monotonically, with the transaction', async () => {
    const { db, honker } = await setup()
    const moved = await db.transaction().execute(async (trx) => [
      await saveOffset(trx, 'billing', 'orders', 2),
      await saveOffset(trx, 'billing', 'orders', 1),
    ])
    expect(moved).toEqual([true, false])
    await expect(
      db.transaction().execute(async (trx) => {
        await saveOffset(trx, 'billing', 'orders', 5)
        throw new Rollback('undo')
      }),
    ).rejects.toThrow('undo')
    expect(honker.stream('orders').getOffset('billing')).toBe(2)
  })
})

describe('typed access to the Honker tables', () => {
  it('HonkerTables lists every column of every Honker table', async () => {
    const { file } = await setup()
    // The compiler checks this literal against HonkerTables (no missing, no extra keys); the test
    // then checks it against the schema the migration created.
    const declared: { [T in keyof HonkerTables]: { [C in keyof HonkerTables[T]]-?: true } } = {
      _honker_live: { id: true, queue: true, payload: true, state: true, priority: true, run_at: true, worker_id: true, claim_expires_at: true, attempts: true, max_attempts: true, created_at: true, expires_at: true, unique_key: true, group_key: true, progress: true, trace_context: true },
      _honker_dead: { id: true, queue: true, payload: true, priority: true, run_at: true, attempts: true, max_attempts: true, last_error: true, created_at: true, died_at: true },
      _honker_notifications: { id: true, channel: true, payload: true, created_at: true },
      _honker_locks: { name: true, owner: true, expires_at: true },
      _honker_rate_limits: { name: true, window_start: true, count: true },
      _honker_scheduler_tasks: { name: true, queue: true, cron_expr: true, payload: true, priority: true, expires_s: true, next_fire_at: true, enabled: true, max_attempts: true },
      _honker_results: { job_id: true, value: true, created_at: true, expires_at: true },
      _honker_stream: { offset: true, topic: true, key: true, payload: true, created_at: true },
      _honker_stream_consumers: { name: true, topic: true, offset: true },
      _honker_queues: { queue: true, paused: true, concurrency: true, group_concurrency: true, keep_completed_s: true, keep_completed_count: true, keep_failed_s: true, keep_failed_count: true, events: true },
      _honker_history: { id: true, queue: true, payload: true, state: true, priority: true, run_at: true, attempts: true, max_attempts: true, created_at: true, finished_at: true, last_error: true, result: true, progress: true, unique_key: true, group_key: true, trace_context: true },
      _honker_events: { id: true, queue: true, job_id: true, kind: true, data: true, created_at: true },
      _honker_ts_migrations: { version: true, name: true, applied_at: true },
    }
    const sqlite = connect(file, 0)
    const tables = sqlite
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 8) = '_honker_' ORDER BY name`)
      .pluck()
      .all()
    expect(tables).toEqual(Object.keys(declared).sort())
    for (const [table, columns] of Object.entries(declared)) {
      const actual = sqlite.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table)
      expect(actual, table).toEqual(Object.keys(columns))
    }
  })

  it('reads jobs through Kysely with HonkerTables', async () => {
    const { db } = await setup()
    const id = await db.transaction().execute((trx) => enqueue(trx, 'emails', { n: 1 }, { priority: 4 }))
    const rows = await db
      .withTables<HonkerTables>()
      .selectFrom('_honker_live')
      .select(['id', 'state', 'priority', 'payload'])
      .where('queue', '=', 'emails')
      .execute()
    expect(rows).toEqual([{ id, state: 'pending', priority: 4, payload: '{"n":1}' }])
  })
})

describe('createHonker', () => {
  it('opens its own connection on the file behind the handle', async () => {
    const { file, honker, sqlite, db } = await setup()
    expect(honker.path).toBe(file)
    const id = honker.queue('emails').enqueue({ n: 1 })
    expect(await db.withTables<HonkerTables>().selectFrom('_honker_live').select('id').executeTakeFirst()).toEqual({ id })
    expect(sqlite.inTransaction).toBe(false)
  })

  it('rejects :memory: and temporary databases, transactions and missing handles', async () => {
    const { db } = await setup()
    for (const name of [':memory:', '']) {
      const memory = new Sqlite(name)
      cleanups.push(() => memory.close())
      expect(() => createHonker({ db, database: memory })).toThrow(expect.objectContaining({ code: 'memory_database' }))
    }
    const { sqlite } = await setup()
    await db.transaction().execute(async (trx) => {
      expect(() => createHonker({ db: trx, database: sqlite })).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'db' }))
    })
    const noHandle = { db } as unknown as Parameters<typeof createHonker>[0]
    expect(() => createHonker(noHandle)).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'database' }))
    const foreign = { prepare() {}, close() {} } as unknown as Sqlite.Database
    expect(() => createHonker({ db, database: foreign })).toThrow(expect.objectContaining({ code: 'unsupported_driver' }))
  })

  it('rejects a closed handle with code closed', async () => {
    const { db, file } = await setup()
    const closed = new Sqlite(file)
    closed.close()
    expect(() => createHonker({ db, database: closed })).toThrow(expect.objectContaining({ code: 'closed' }))
  })

  it('sqliteDatabaseFor gives Kysely a better-sqlite3 handle as it is, and createHonker takes either', async () => {
    const { db, sqlite, file } = await setup()
    expect(sqliteDatabaseFor(sqlite)).toBe(sqlite)
    const honker = createHonker({ db, database: sqliteDatabaseFor(sqlite) })
    cleanups.push(() => honker.close())
    expect(honker.path).toBe(file)
    expect(() => sqliteDatabaseFor({} as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })
})

describe('core never runs inside a pending Kysely transaction', () => {
  it('a pending Kysely write is invisible to core, which reads on its own connection', async () => {
    const { db, sqlite, honker } = await setup()
    const enqueued = signal<number>()
    const release = signal()
    const committed = db.transaction().execute(async (trx) => {
      await trx.insertInto('orders').values({ note: 'pending' }).execute()
      enqueued.resolve(await enqueue(trx, 'emails', { n: 1 }))
      await release.promise // the transaction stays open, awaiting, like one waiting on an HTTP call
    })
    const id = await enqueued.promise
    expect(sqlite.inTransaction).toBe(true)
    expect(honker.queue('emails').getJob(id)).toBeNull()
    expect(honker.queue('emails').counts()).toMatchObject({ pending: 0 })
    release.resolve()
    await committed
    expect(honker.queue('emails').getJob(id)?.state).toBe('pending')
    expect(honker.queue('emails').counts()).toMatchObject({ pending: 1 })
  })

  it('a claim during a pending Kysely transaction commits on its own, and survives that transaction’s rollback', async () => {
    const { db, sqlite, honker } = await setup()
    const emails = honker.queue('emails')
    const id = emails.enqueue({ n: 1 })
    const began = signal()
    const release = signal()
    const rolledBack = db.transaction().execute(async (trx) => {
      await trx.selectFrom('orders').selectAll().execute() // deferred begin: a read snapshot, no write lock yet
      began.resolve()
      await release.promise
      throw new Rollback('card declined')
    })
    await began.promise
    // On a shared handle this claim would be a savepoint inside the app's transaction, and undone with it.
    expect(emails.claimOne('worker-1')?.id).toBe(id)
    expect(sqlite.inTransaction).toBe(true)
    release.resolve()
    await expect(rolledBack).rejects.toThrow('card declined')
    expect(emails.getJob(id)).toMatchObject({ state: 'processing', workerId: 'worker-1' })
  })

  it('a claim while a Kysely write is pending waits for the lock and fails busy instead of joining it', async () => {
    const { db, honker } = await setup()
    const emails = honker.queue('emails')
    const enqueued = signal<number>()
    const release = signal()
    const committed = db.transaction().execute(async (trx) => {
      enqueued.resolve(await enqueue(trx, 'emails', { n: 1 }))
      await release.promise
    })
    const id = await enqueued.promise
    // better-sqlite3 is synchronous: this blocks the event loop for core's busy_timeout (5 s).
    let failure: unknown
    try {
      emails.claimOne('worker-1')
    } catch (error) {
      failure = error
    }
    expect(failure).toMatchObject({ code: 'busy' })
    release.resolve()
    await committed
    expect(emails.claimOne('worker-1')?.id).toBe(id)
  })
})

describe('workers in the app’s own process', () => {
  /** Enqueue `count` jobs through Kysely, run them with `work`, resolve once all completed. */
  async function runJobs(
    { db, honker }: Setup,
    concurrency: number,
    handler: (orderId: number) => Promise<void> | void,
  ): Promise<{ errors: unknown[] }> {
    const count = 20
    const errors: unknown[] = []
    const controller = new AbortController()
    let completed = 0
    const allDone = signal()
    const worker = honker.queue<{ orderId: number }>('emails').work((job) => handler(job.payload.orderId), {
      concurrency,
      signal: controller.signal,
      fallbackPollMs: null,
    })
    worker.on('worker:error', (error) => errors.push(error))
    worker.on('job:completed', () => ++completed === count && allDone.resolve())
    for (let i = 0; i < count; i++) {
      await db.transaction().execute(async (trx) => {
        const order = await trx.insertInto('orders').values({ note: 'placed' }).returning('id').executeTakeFirstOrThrow()
        await enqueue(trx, 'emails', { orderId: order.id })
      })
    }
    await allDone.promise
    controller.abort()
    await worker.stop()
    return { errors }
  }

  const emailed = (file: string) => connect(file, 0).prepare(`SELECT count(*) FROM orders WHERE note = 'emailed'`).pluck().get()

  it('one at a time, handlers write through Kysely transactions without colliding with Honker’s writes', async () => {
    const app = await setup()
    const { errors } = await runJobs(app, 1, async (orderId) => {
      await app.db.transaction().execute(async (trx) => {
        await trx.updateTable('orders').set({ note: 'emailed' }).where('id', '=', orderId).execute()
      })
    })
    expect(errors).toEqual([])
    expect(emailed(app.file)).toBe(20)
  })

  it('concurrent handlers write on Honker’s connection, with queries Kysely compiled', async () => {
    const app = await setup()
    const { errors } = await runJobs(app, 4, (orderId) => {
      const update = app.db.updateTable('orders').set({ note: 'emailed' }).where('id', '=', orderId).compile()
      app.honker.transaction((tx) => tx.run(update.sql, update.parameters))
    })
    expect(errors).toEqual([])
    expect(emailed(app.file)).toBe(20)
  })
})

describe('deferred BEGIN', () => {
  const insertOther = `INSERT INTO orders (note) VALUES ('other process')`

  it('Kysely’s transactions begin deferred: a read, another connection’s commit, then a write fails at once', async () => {
    const { db, file } = await setup()
    const other = connect(file, 5000)
    const result = db.transaction().execute(async (trx) => {
      await trx.selectFrom('orders').selectAll().execute()
      other.prepare(insertOther).run() // not blocked: the Kysely transaction holds no write lock yet
      return enqueue(trx, 'emails', { n: 1 }) // the upgrade cannot succeed, whatever busy_timeout says
    })
    await expect(result).rejects.toMatchObject({ code: 'SQLITE_BUSY_SNAPSHOT' })
    expect(liveCount(file)).toBe(0)
  })

  it('writing first takes the write lock at once, so other writers wait for the commit', async () => {
    const { db, file } = await setup()
    const other = connect(file, 0)
    const id = await db.transaction().execute(async (trx) => {
      const jobId = await enqueue(trx, 'emails', { n: 1 })
      expect(() => other.prepare(insertOther).run()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }))
      await trx.selectFrom('orders').selectAll().execute()
      return jobId
    })
    expect(liveRow(file, id)).toMatchObject({ queue: 'emails' })
  })

  it('ImmediateSqliteDialect begins immediate: the lock is taken before the first read', async () => {
    const { db, file } = await setup({ dialect: (sqlite) => new ImmediateSqliteDialect({ database: sqlite }) })
    const other = connect(file, 0)
    const id = await db.transaction().execute(async (trx) => {
      await trx.selectFrom('orders').selectAll().execute()
      expect(() => other.prepare(insertOther).run()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }))
      return enqueue(trx, 'emails', { n: 1 })
    })
    expect(liveRow(file, id)).toMatchObject({ queue: 'emails' })
    // With the plain dialect the same first read leaves the other writer free (see above).
    const plain = await setup({ dialect: (sqlite) => new SqliteDialect({ database: sqlite }) })
    await plain.db.transaction().execute(async (trx) => {
      await trx.selectFrom('orders').selectAll().execute()
      expect(connect(plain.file, 0).prepare(insertOther).run().changes).toBe(1)
    })
  })
})
