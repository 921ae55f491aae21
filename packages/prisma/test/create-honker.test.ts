import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { HonkerError, type Job } from '@honker/core'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createHonker, enqueue, prismaSqliteDriver } from '../src/index.ts'
import { ORDERS_DDL, applyHonkerMigrations, onCleanup, prismaClient, tempDbPath } from './helpers.ts'

describe('one copy of SQLite per process', () => {
  it("Honker's connections use the better-sqlite3 that Prisma's adapter loads", async () => {
    const require = createRequire(import.meta.url)
    const adapterEntry = require.resolve('@prisma/adapter-better-sqlite3')
    const fromAdapter = createRequire(adapterEntry).resolve('better-sqlite3')
    // The module behind prismaSqliteDriver() is the file the adapter resolves...
    const loaded = Object.values(require.cache).find((module) => module?.exports === prismaSqliteDriver())
    expect(loaded?.filename).toBe(fromAdapter)
    // ...and the adapter's ESM build (what `import { PrismaBetterSqlite3 }` runs) gets the same class.
    const imported = (await import(pathToFileURL(fromAdapter).href)) as { default: unknown }
    expect(imported.default).toBe(prismaSqliteDriver())

    const file = tempDbPath()
    const url = `file:${file}`
    const adapter = await new PrismaBetterSqlite3({ url }).connect()
    onCleanup(() => adapter.dispose())
    const prismaConnection = (adapter as unknown as { client: object }).client
    const honker = createHonker({ url })
    onCleanup(() => honker.close())
    const honkerConnection = honker.executor.connection.handle
    expect(prismaConnection.constructor).toBe(prismaSqliteDriver())
    expect(honkerConnection.constructor).toBe(prismaConnection.constructor)
  })
})

describe('createHonker({ url })', () => {
  it('finds the file the way the adapter does: file: stripped, relative to the working directory', async () => {
    const file = tempDbPath()
    const dir = path.dirname(file)
    const cwd = process.cwd()
    process.chdir(dir)
    onCleanup(() => process.chdir(cwd))
    // Prisma's migrations first, as a deploy runs them; createHonker then finds the schema current.
    applyHonkerMigrations(file, ORDERS_DDL)
    for (const url of ['file:./app.db', 'file:app.db', './app.db', 'app.db', `file:${dir}/app.db`, `file://${dir}/app.db`]) {
      const honker = createHonker({ url })
      expect({ url, path: honker.path }).toEqual({ url, path: path.join(realpathSync(dir), 'app.db') })
      honker.close()
    }
    // The same file, seen from both sides: Prisma writes, Honker reads, and the reverse.
    const honker = createHonker({ url: 'file:./app.db' })
    onCleanup(() => honker.close())
    const prisma = prismaClient('file:./app.db')
    const id = await prisma.$transaction((tx) => enqueue(tx, 'emails', 'from prisma'))
    expect(honker.queue('emails').getJob(id)?.payloadText).toBe('"from prisma"')
    honker.queue('emails').enqueue('from honker')
    expect((await prisma.honkerJob.findMany({ orderBy: { id: 'asc' } })).map((job) => job.payload)).toEqual([
      '"from prisma"',
      '"from honker"',
    ])
  })

  it('migrates a file that the Prisma migration has not prepared', async () => {
    const file = tempDbPath()
    const honker = createHonker({ url: `file:${file}` })
    onCleanup(() => honker.close())
    const prisma = prismaClient(`file:${file}`)
    expect(await prisma.honkerJob.count()).toBe(0)
    expect((await prisma.honkerSchemaMigration.findMany()).map((row) => row.version)).toEqual([1, 2, 3])
  })

  it('refuses in-memory databases and bad arguments with coded errors', () => {
    const cwd = process.cwd()
    process.chdir(path.dirname(tempDbPath())) // a url taken for a file name lands here, not in the package
    onCleanup(() => process.chdir(cwd))
    // Only the exact name: better-sqlite3 takes no URI parameters, so for the adapter
    // 'file::memory:?cache=shared' is a file of that name, and Honker opens the same file.
    for (const url of [':memory:', 'file::memory:']) {
      expect(() => createHonker({ url })).toThrow(expect.objectContaining({ code: 'memory_database' }))
    }
    for (const options of [undefined, null, {}, { url: '' }, { url: 42 }]) {
      let error: unknown
      try {
        createHonker(options as never)
      } catch (caught) {
        error = caught
      }
      expect(HonkerError.isInstance(error, 'invalid_argument')).toBe(true)
    }
  })

  it("gives core's whole API: a worker handles what a Prisma transaction enqueued", async () => {
    const file = tempDbPath()
    applyHonkerMigrations(file, ORDERS_DDL)
    const honker = createHonker({ url: `file:${file}` })
    onCleanup(() => honker.close())
    const prisma = prismaClient(`file:${file}`)
    const controller = new AbortController()
    const handled: Job<{ orderId: number }>[] = []
    const done = new Promise<void>((resolve) => {
      const worker = honker.queue<{ orderId: number }>('emails').work(
        (job) => {
          handled.push(job)
          resolve()
        },
        { signal: controller.signal },
      )
      onCleanup(() => worker.stop())
    })
    onCleanup(() => controller.abort())
    const id = await prisma.$transaction(async (tx) => {
      const order = await tx.order.create({ data: { note: 'paid' } })
      return enqueue(tx, 'emails', { orderId: order.id })
    })
    await done
    expect(handled.map((job) => [job.id, job.payload])).toEqual([[id, { orderId: 1 }]])
  })
})
