// Drizzle's async SQLite kind, on libSQL (@libsql/client with a file: URL): the same helpers return
// promises and join libSQL's transactions, and createHonker({ db }) runs Honker's workers in this
// process with the libsql module the client runs on (one SQLite library per process). Other
// processes (a worker on better-sqlite3, a producer on @libsql/client) share the file.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createClient, type Client } from '@libsql/client'
import { eq, sql } from 'drizzle-orm'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import type { Database, Job } from '@honker/core'
import { spawnWorker } from '@honker/testkit'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHonker, enqueue, honkerLive, honkerNotifications, honkerStream, notify, publish, saveOffset } from '../src/index.ts'
import { drizzleKitGenerate } from './drizzle-kit.ts'
import { orders } from './fixtures/app-tables.ts'
import { tempDir } from './helpers.ts'

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')

/** Run the libSQL producer fixture in another process; resolves with the ids it enqueued. */
function produceElsewhere(file: string, queue: string, count: number): Promise<number[]> {
  const child = spawn(process.execPath, [path.join(fixtures, 'libsql-producer.mjs')], {
    env: { ...process.env, HONKER_FIXTURE: JSON.stringify({ db: file, queue, count }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const lines: string[] = []
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line))
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code === 0 && lines.length === 1) resolve((JSON.parse(lines[0]!) as { ids: number[] }).ids)
      else reject(new Error(`the producer exited with ${code}: ${stderr}`))
    }),
  )
}

/** The native SQLite modules this process has loaded (libsql's, better-sqlite3's). */
function nativeSqliteModules(): string[] {
  const cache = createRequire(import.meta.url).cache
  return Object.keys(cache).filter((file) => file.endsWith('.node') && /libsql|better_sqlite3/.test(file))
}

class Declined extends Error {}

describe('libSQL (async driver)', () => {
  let migrations: string
  let shared: string
  let client: Client
  let db: LibSQLDatabase & { $client: Client }
  let file: string

  beforeAll(() => {
    shared = mkdtempSync(path.join(tmpdir(), 'honker-drizzle-libsql-'))
    migrations = path.join(shared, 'drizzle')
    drizzleKitGenerate(migrations)
  })
  afterAll(() => rmSync(shared, { recursive: true, force: true }))

  beforeEach(async () => {
    file = path.join(tempDir(), 'app.db')
    client = createClient({ url: `file:${file}`, timeout: 5000 })
    db = drizzle({ client, casing: 'snake_case' })
    await migrate(db, { migrationsFolder: migrations }) // the drizzle-kit migration creates Honker's tables
  })
  afterEach(() => client.close())

  const jobs = async (): Promise<number> => (await db.select({ n: sql<number>`count(*)` }).from(honkerLive).get())!.n

  it('enqueue returns a promise inside db.transaction; the commit wakes a worker in another process', async () => {
    const worker = spawnWorker(file, 'emails')
    try {
      await worker.ready
      const id = await db.transaction(async (tx) => {
        const order = await tx.insert(orders).values({ customerEmail: 'a@example.com', totalCents: 4200 }).returning().get()
        const pending = enqueue(tx, 'emails', { orderId: order.id })
        expect(pending).toBeInstanceOf(Promise)
        return pending
      })
      expect(typeof id).toBe('number')
      expect(await worker.handled(id)).toMatchObject({ id, payload: { orderId: 1 } })
    } finally {
      expect(await worker.stop()).toBe(0)
    }
  })

  it('a rollback drops the job with the business row', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(orders).values({ customerEmail: 'b@example.com', totalCents: 1 })
        await enqueue(tx, 'emails', { to: 'b@example.com' })
        throw new Declined('card declined')
      }),
    ).rejects.toThrow(Declined)
    expect(await db.select().from(orders).all()).toEqual([])
    expect(await jobs()).toBe(0)
    // Validation still throws synchronously, before anything is sent to libSQL.
    await expect(db.transaction(async (tx) => enqueue(tx, 'emails', { big: 1n }))).rejects.toMatchObject({ code: 'invalid_payload' })
    expect(await jobs()).toBe(0)
  })

  it('notify, publish and saveOffset resolve inside the transaction and commit with it', async () => {
    const [notification, offset, saved] = await db.transaction(async (tx) => {
      const n = await notify(tx, 'orders', { id: 7 })
      const o = await publish(tx, 'orders', { id: 7 }, { key: 'order-7' })
      return [n, o, await saveOffset(tx, 'totals', 'orders', o)] as const
    })
    expect(await db.select().from(honkerNotifications).where(eq(honkerNotifications.id, notification)).get()).toMatchObject({
      channel: 'orders',
      payload: '{"id":7}',
    })
    expect(await db.select().from(honkerStream).get()).toMatchObject({ offset, topic: 'orders', key: 'order-7', payload: '{"id":7}' })
    expect(saved).toBe(true)
    expect(await db.transaction(async (tx) => saveOffset(tx, 'totals', 'orders', 0))).toBe(false)
  })

  describe('createHonker({ db }): workers in this process, on the libsql module under the client', () => {
    let honker: Database
    beforeEach(async () => {
      honker = await createHonker({ db })
    })
    afterEach(() => honker.close()) // before the client is closed

    it('opens the client\'s file with the libsql driver: the very module @libsql/client loaded, and no other SQLite', async () => {
      expect(honker.path).toBe(file)
      const connection = honker.executor.connection
      expect(connection.driver.name).toBe('libsql')
      const clientsLibsql = createRequire(createRequire(import.meta.url).resolve('@libsql/client'))('libsql')
      expect((connection.driver as unknown as { databaseClass: unknown }).databaseClass).toBe(clientsLibsql)
      // One native SQLite library in this process: libsql's, loaded once; better-sqlite3's never.
      const natives = nativeSqliteModules()
      expect(natives).toHaveLength(1)
      expect(natives[0]).toMatch(/@libsql[\\/][^\\/]+[\\/]index\.node$/)
      // The tables drizzle-kit's migration created are the ones Honker uses.
      expect(honker.queue('emails').counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
    })

    it('a worker here is woken by a commit from another process (no fallback polling)', async () => {
      const handled: Job[] = []
      const worker = honker.queue('emails').work((job) => void handled.push(job), { fallbackPollMs: null })
      try {
        const ids = await produceElsewhere(file, 'emails', 3)
        await until(() => handled.length === 3)
        expect(handled.map((job) => job.id).sort((a, b) => a - b)).toEqual(ids)
        expect(handled.map((job) => job.payload)).toEqual(ids.map((_, i) => ({ from: 'producer', i })))
      } finally {
        await worker.stop()
      }
      expect(worker.stats.completed).toBe(3)
    })

    it('enqueue inside Drizzle\'s libSQL transaction reaches the worker here on commit; a rollback reaches nothing', async () => {
      const handled: Job[] = []
      const worker = honker.queue('emails').work((job) => void handled.push(job), { fallbackPollMs: null })
      try {
        await expect(
          db.transaction(async (tx) => {
            await tx.insert(orders).values({ customerEmail: 'declined@example.com', totalCents: 1 })
            await enqueue(tx, 'emails', { to: 'declined@example.com' })
            throw new Declined('card declined')
          }),
        ).rejects.toThrow(Declined)
        const id = await db.transaction(async (tx) => {
          const order = await tx.insert(orders).values({ customerEmail: 'a@example.com', totalCents: 4200 }).returning().get()
          return enqueue(tx, 'emails', { orderId: order.id })
        })
        await until(() => handled.length === 1)
        expect(handled[0]).toMatchObject({ id, payload: { orderId: 1 } })
        // Only the committed order and job ever existed.
        expect((await db.select().from(orders).all()).map((order) => order.customerEmail)).toEqual(['a@example.com'])
        await new Promise((resolve) => setTimeout(resolve, 100))
        expect(handled).toHaveLength(1)
      } finally {
        await worker.stop()
      }
      expect(await jobs()).toBe(0)
    })

    it('gap: a libSQL transaction open in this process makes Honker\'s own writes wait, the process blocked, until the busy timeout: busy', async () => {
      let outcome: { code: unknown; waitedMs: number } | null = null
      await db.transaction(async (tx) => {
        await tx.insert(orders).values({ customerEmail: 'slow@example.com', totalCents: 1 })
        // libSQL holds the write lock across awaits; Honker's writes are synchronous: this one waits
        // on a lock only this very process can release, blocking it, for the 5 s busy timeout.
        const started = performance.now()
        try {
          honker.queue('emails').enqueue({ outside: 'the transaction' })
        } catch (error) {
          outcome = { code: (error as { code?: unknown }).code, waitedMs: performance.now() - started }
        }
        await enqueue(tx, 'emails', { inside: 'the transaction' }) // the way that works
      })
      expect(outcome).toMatchObject({ code: 'busy' })
      expect(outcome!.waitedMs).toBeGreaterThan(4500)
      expect((await db.select({ payload: honkerLive.payload }).from(honkerLive).all()).map((row) => row.payload)).toEqual(['{"inside":"the transaction"}'])
    })

    it('the full API shares the file with the client: Honker\'s writes are Drizzle\'s reads, and the reverse', async () => {
      const id = honker.queue('emails').enqueue({ from: 'honker' })
      expect(await db.select({ id: honkerLive.id, queue: honkerLive.queue }).from(honkerLive).all()).toEqual([{ id, queue: 'emails' }])
      await db.transaction(async (tx) => notify(tx, 'orders', { id: 7 }))
      const listener = honker.listen('orders', { fallbackPollMs: null })
      const next = listener.next()
      await db.transaction(async (tx) => notify(tx, 'orders', { id: 8 }))
      expect(((await next).value as { payload: unknown }).payload).toEqual({ id: 8 })
      listener.close()
    })
  })

  it('createHonker refuses a remote database (no file to watch) with remote_database, and says what it would need', async () => {
    for (const url of ['libsql://example.turso.io', 'https://example.turso.io', 'http://127.0.0.1:1', 'ws://127.0.0.1:1']) {
      const remote = createClient({ url, authToken: 'token' })
      try {
        const error = await createHonker({ db: drizzle({ client: remote }) }).then(
          () => null,
          (caught: unknown) => caught,
        )
        expect(error, url).toMatchObject({ code: 'remote_database' })
        expect((error as Error).message, url).toMatch(/poll-based wake and a network round trip per claim/)
      } finally {
        remote.close()
      }
    }
  })

  it('createHonker refuses an in-memory client, a closed client and a transaction', async () => {
    const memory = createClient({ url: ':memory:' })
    await expect(createHonker({ db: drizzle({ client: memory }) })).rejects.toMatchObject({ code: 'memory_database' })
    memory.close()
    const closed = createClient({ url: `file:${path.join(tempDir(), 'closed.db')}` })
    closed.close()
    await expect(createHonker({ db: drizzle({ client: closed }) })).rejects.toMatchObject({ code: 'closed' })
    await db.transaction(async (tx) => {
      expect(() => createHonker({ db: tx as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'db' }))
    })
  })
})

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
