import Sqlite from 'better-sqlite3'
import { CamelCasePlugin, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { migrate, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { tempDatabase } from '@honker/testkit'
import { honkerMigration } from '../src/index.ts'
import { migrateToLatest, openApp, type App } from './app.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempFile(): string {
  const { file, remove } = tempDatabase()
  cleanups.push(remove)
  return file
}

function app(file: string, options?: Parameters<typeof openApp>[1]): App {
  const opened = openApp(file, options)
  cleanups.push(() => opened.db.destroy())
  return opened
}

/** Read through a separate plain connection: what core and other processes see. */
function read<T>(file: string, fn: (db: Sqlite.Database) => T): T {
  const db = new Sqlite(file, { readonly: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

/** The Honker part of the schema as SQLite stores it (the text of every CREATE, not root pages). */
const honkerSchema = (file: string) =>
  read(file, (db) =>
    db
      .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE substr(name, 1, 8) = '_honker_' ORDER BY name`)
      .all(),
  )
const ledger = (file: string) =>
  read(file, (db) => db.prepare(`SELECT version, name, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY version`).all())

/** A fresh file migrated by core's own open(): the reference. */
function coreMigrated(): string {
  const file = tempFile()
  open(file).close()
  return file
}

describe('honkerMigration in Kysely’s Migrator', () => {
  it('creates exactly the schema core’s own migration creates, extra index and ledger included', async () => {
    const file = tempFile()
    const { migrator } = app(file)
    await migrateToLatest(migrator)

    const reference = coreMigrated()
    expect(honkerSchema(file)).toEqual(honkerSchema(reference))
    expect(honkerSchema(file).map((row) => (row as { name: string }).name)).toContain('_honker_live_exhausted')
    const strip = (rows: unknown[]) => rows.map((row) => ({ ...(row as object), applied_at: 0 }))
    expect(strip(ledger(file))).toEqual(strip(ledger(reference)))
    expect(ledger(file).length).toBeGreaterThan(0)
    // The app's own table is there too, recorded next to the Honker migration in Kysely's history.
    expect(read(file, (db) => db.prepare(`SELECT name FROM kysely_migration ORDER BY name`).pluck().all())).toEqual([
      '0000_honker',
      '0001_orders',
    ])
  })

  it('leaves core’s migration nothing to do: migrate() applies nothing and open() keeps the ledger as it was', async () => {
    const file = tempFile()
    const { migrator, sqlite } = app(file)
    await migrateToLatest(migrator)
    const before = ledger(file)

    expect(migrate(sqlite)).toEqual({ applied: [] })
    open(file).close()
    expect(ledger(file)).toEqual(before)
  })

  it('round-trips: down drops every Honker object and keeps the app’s; up again restores the same schema', async () => {
    const file = tempFile()
    const { migrator } = app(file)
    await migrateToLatest(migrator)
    const migrated = honkerSchema(file)

    // Down the app's migration, then Honker's.
    expect((await migrator.migrateDown()).error).toBeUndefined()
    expect((await migrator.migrateDown()).error).toBeUndefined()
    expect(honkerSchema(file)).toEqual([])
    expect(read(file, (db) => db.prepare(`SELECT count(*) FROM kysely_migration`).pluck().get())).toBe(0)

    await migrateToLatest(migrator)
    expect(honkerSchema(file)).toEqual(migrated)
    const check = new Sqlite(file)
    expect(migrate(check)).toEqual({ applied: [] })
    check.close()
  })

  it('down drops the tables with their jobs', async () => {
    const file = tempFile()
    const { migrator } = app(file)
    await migrateToLatest(migrator)
    const honker = open(file)
    honker.queue('emails').enqueue({ n: 1 })
    honker.close()

    expect((await migrator.migrateTo('0000_honker')).error).toBeUndefined() // the app's migration only
    expect(read(file, (db) => db.prepare(`SELECT count(*) FROM _honker_live`).pluck().get())).toBe(1)
    expect((await migrator.migrateDown()).error).toBeUndefined()
    expect(read(file, (db) => db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = '_honker_live'`).pluck().get())).toBe(0)
  })

  it('finds nothing to do on a file core migrated first', async () => {
    const file = coreMigrated()
    const before = { schema: honkerSchema(file), ledger: ledger(file) }
    const { migrator } = app(file)
    await migrateToLatest(migrator)
    expect(honkerSchema(file)).toEqual(before.schema)
    expect(ledger(file)).toEqual(before.ledger)
  })

  it('upgrades a legacy honker scheduler table the way core does', async () => {
    // honker files from before the scheduler's `enabled` and `max_attempts` columns.
    const legacy = `CREATE TABLE _honker_scheduler_tasks (name TEXT PRIMARY KEY, queue TEXT NOT NULL, cron_expr TEXT NOT NULL, payload TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0, expires_s INTEGER, next_fire_at INTEGER NOT NULL)`
    const viaKysely = tempFile()
    const viaCore = tempFile()
    for (const file of [viaKysely, viaCore]) {
      const db = new Sqlite(file)
      db.exec(legacy)
      db.close()
    }
    await migrateToLatest(app(viaKysely).migrator)
    open(viaCore).close()

    expect(honkerSchema(viaKysely)).toEqual(honkerSchema(viaCore))
    const columns = read(viaKysely, (db) =>
      db.prepare(`SELECT name FROM pragma_table_info('_honker_scheduler_tasks')`).pluck().all(),
    )
    expect(columns).toEqual(expect.arrayContaining(['enabled', 'max_attempts']))
  })

  it('is atomic: a statement that fails leaves no Honker table and no ledger row behind', async () => {
    const file = tempFile()
    // A view under a Honker table name: CREATE TABLE IF NOT EXISTS passes over it, and indexing it fails.
    const setup = new Sqlite(file)
    setup.exec(`CREATE VIEW _honker_stream AS SELECT 1 AS offset, 'topic' AS topic`)
    setup.close()
    const { migrator } = app(file)

    const { error } = await migrator.migrateToLatest()
    expect(String(error)).toMatch(/views may not be indexed/)
    expect(honkerSchema(file)).toEqual([{ type: 'view', name: '_honker_stream', tbl_name: '_honker_stream', sql: expect.any(String) }])
  })

  it('ignores the app’s plugins (CamelCasePlugin) and runs inside a caller’s own transaction too', async () => {
    const camel = tempFile()
    await migrateToLatest(app(camel, { plugins: [new CamelCasePlugin()] }).migrator)
    expect(honkerSchema(camel)).toEqual(honkerSchema(coreMigrated()))

    const nested = tempFile()
    const { db } = app(nested)
    await db.transaction().execute(async (trx) => {
      await honkerMigration.up(trx)
      await sql`CREATE TABLE audit (id INTEGER PRIMARY KEY)`.execute(trx)
    })
    expect(honkerSchema(nested)).toEqual(honkerSchema(camel))
  })
})
