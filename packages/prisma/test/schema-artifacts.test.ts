import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { open } from '@honker/core'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, MIGRATIONS_TABLE, migrate } from '@honker/core/adapter'
import { describe, expect, it } from 'vitest'
import { renderHonkerSchema } from '../scripts/honker-schema.mjs'
import { applyMigrations, createHonker, honkerMigrationsDir, prismaSqliteDriver } from '../src/index.ts'
import { Prisma } from './generated/client/client.ts'
import { applyHonkerMigrations, honkerMigrations, onCleanup, prismaClient, tempDbPath } from './helpers.ts'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

/** Every schema object of a file, as other processes see it. */
function schemaOf(file: string): { type: string; name: string; tbl_name: string; sql: string | null }[] {
  const Driver = prismaSqliteDriver()
  const db = new Driver(file, { readonly: true })
  try {
    return db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all() as never
  } finally {
    db.close()
  }
}

describe('the checked-in Prisma artifacts', () => {
  it("match what scripts/build-schema.mjs renders from core's migrations (run `pnpm generate` if not)", () => {
    const { migrations, fragment } = renderHonkerSchema()
    expect(migrations.map((m) => m.folder)).toEqual(MIGRATIONS.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`))
    expect(readdirSync(path.join(root, 'prisma', 'migrations')).sort()).toEqual(migrations.map((m) => m.folder))
    for (const { folder, sql } of migrations) {
      expect(readFileSync(path.join(root, 'prisma', 'migrations', folder, 'migration.sql'), 'utf8')).toBe(sql)
    }
    expect(readFileSync(path.join(root, 'prisma', 'honker.prisma'), 'utf8')).toBe(fragment)
  })
})

describe('the migration SQL', () => {
  it("gives a fresh file exactly core's schema, so createHonker has nothing left to migrate", () => {
    const viaCore = tempDbPath()
    open(viaCore).close()
    const viaPrisma = tempDbPath()
    applyHonkerMigrations(viaPrisma)

    const expected = schemaOf(viaCore)
    expect(expected.map((o) => o.name)).toContain('_honker_live_claim') // the partial indexes...
    expect(schemaOf(viaPrisma)).toEqual(expected) // ...and everything else, statement for statement

    const Driver = prismaSqliteDriver()
    const db = new Driver(viaPrisma)
    try {
      expect(db.prepare(`SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).pluck().all()).toEqual(
        MIGRATIONS.map((m) => m.version),
      )
      expect(migrate(db)).toEqual({ applied: [] })
    } finally {
      db.close()
    }
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it('on a file createHonker already set up: the runner records it applied; raw SQL fails only on ADD COLUMN', () => {
    const file = tempDbPath()
    createHonker({ url: `file:${file}` }).close()
    const before = schemaOf(file)
    // honker-prisma migrate (applyMigrations) sees core's ledger and records the migrations applied.
    expect(applyMigrations({ url: `file:${file}`, migrationsDir: honkerMigrationsDir() }).applied).toHaveLength(MIGRATIONS.length)
    expect(schemaOf(file).filter((o) => !o.tbl_name.startsWith('_prisma_'))).toEqual(before)

    // `prisma migrate deploy` runs the SQL: 0001 and 0002 are all IF NOT EXISTS and apply; 0003's
    // ADD COLUMN has no IF NOT EXISTS in SQLite, so it fails (docs/adapters/prisma.md: resolve it as applied).
    const raw = tempDbPath()
    createHonker({ url: `file:${raw}` }).close()
    const [first, second, third] = honkerMigrations()
    expect(() => applyHonkerMigrations(raw, undefined, [first!, second!])).not.toThrow()
    expect(() => applyHonkerMigrations(raw, undefined, [third!])).toThrow(/duplicate column name: unique_key/)
    expect(schemaOf(raw)).toEqual(before)
  })

  it('is one folder per core migration, each recording its version in the ledger', () => {
    const migrations = honkerMigrations()
    expect(migrations).toHaveLength(MIGRATIONS.length)
    migrations.forEach(({ sql }, index) => {
      const core = MIGRATIONS[index]!
      expect(sql).toContain(core.sql.trim())
      expect(sql).toContain(`INSERT OR IGNORE INTO ${MIGRATIONS_TABLE} (version, name) VALUES (${core.version}, '${core.name}');`)
    })
  })
})

describe('the schema fragment', () => {
  it("maps a model onto every table of core's schema", () => {
    const file = tempDbPath()
    open(file).close()
    const tables = schemaOf(file)
      .filter((o) => o.type === 'table' && !o.name.startsWith('sqlite_'))
      .map((o) => o.name)
    const fragment = readFileSync(path.join(root, 'prisma', 'honker.prisma'), 'utf8')
    const mapped = [...fragment.matchAll(/@@map\("([^"]+)"\)/g)].map((match) => match[1])
    expect(mapped.sort()).toEqual(tables.sort())
    expect(Object.keys(Prisma.ModelName).filter((name) => name.startsWith('Honker'))).toHaveLength(tables.length)
  })

  it('reads every table through the generated client, column for column', async () => {
    const file = tempDbPath()
    applyHonkerMigrations(file)
    const honker = createHonker({ url: `file:${file}` })
    onCleanup(() => honker.close())
    const jobs = honker.queue('emails')
    const live = jobs.enqueue({ to: 'a@example.com' }, { priority: 2 })
    const dying = jobs.enqueue('poison', { maxAttempts: 1 })
    jobs.claimBatch('w1', 10).find((job) => job.id === dying)!.fail('mailbox does not exist')
    honker.notify('orders', { id: 1 })
    honker.stream('orders').publish({ id: 1 }, { key: 'order-1' })
    honker.stream('orders').saveOffset('billing', 1)
    honker.lock('nightly', { ttlS: 60, owner: 'me' }).acquire()
    honker.rateLimit('partner', { limit: 5, perS: 60 }).try()
    honker.scheduler().add({ name: 'report', queue: 'reports', schedule: '@every 1h', payload: { kind: 'daily' } })
    honker.saveResult(live, { url: 'https://cdn.example/a.png' })

    const prisma = prismaClient(`file:${file}`)
    expect(await prisma.honkerJob.findMany()).toEqual([
      expect.objectContaining({ id: live, queue: 'emails', state: 'processing', priority: 2, workerId: 'w1', attempts: 1 }),
    ])
    expect(await prisma.honkerDeadJob.findMany()).toEqual([
      expect.objectContaining({ id: dying, queue: 'emails', payload: '"poison"', attempts: 1, maxAttempts: 1, lastError: 'mailbox does not exist' }),
    ])
    expect(await prisma.honkerNotification.findMany()).toEqual([expect.objectContaining({ id: 1, channel: 'orders', payload: '{"id":1}' })])
    expect(await prisma.honkerStreamEvent.findMany()).toEqual([expect.objectContaining({ offset: 1, topic: 'orders', key: 'order-1' })])
    expect(await prisma.honkerStreamConsumer.findMany()).toEqual([{ name: 'billing', topic: 'orders', offset: 1 }])
    expect(await prisma.honkerLock.findMany()).toEqual([expect.objectContaining({ name: 'nightly', owner: 'me' })])
    expect(await prisma.honkerRateLimit.findMany()).toEqual([expect.objectContaining({ name: 'partner', count: 1 })])
    expect(await prisma.honkerScheduledTask.findMany()).toEqual([
      expect.objectContaining({ name: 'report', queue: 'reports', cronExpr: '@every 1h', enabled: 1, maxAttempts: 3 }),
    ])
    expect(await prisma.honkerResult.findMany()).toEqual([
      expect.objectContaining({ jobId: live, value: '{"url":"https://cdn.example/a.png"}', expiresAt: null }),
    ])
    expect((await prisma.honkerSchemaMigration.findMany()).map((row) => [row.version, row.name])).toEqual(
      MIGRATIONS.map((m) => [m.version, m.name]),
    )
    const nowS = Math.floor(Date.now() / 1000)
    const [job] = await prisma.honkerJob.findMany()
    expect(Math.abs(job!.createdAt - nowS)).toBeLessThanOrEqual(2) // whole unix seconds, as numbers
  })
})
