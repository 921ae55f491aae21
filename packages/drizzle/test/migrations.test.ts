import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { open } from '@honker/core'
import { MIGRATIONS, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { honkerIfNotExists } from '../src/index.ts'
import { appTables, drizzleKitGenerate, drizzleKitPush, honkerDrizzleBin, migrationFiles, packageDir, readMigrationSql } from './drizzle-kit.ts'
import { onCleanup, tempDir } from './helpers.ts'

const honkerSnapshot = path.join(packageDir, '..', 'core', 'test', 'snapshots', 'honker-0.5.1-schema.json')

function openFile(file: string): Sqlite.Database {
  const db = new Sqlite(file)
  onCleanup(() => db.close())
  return db
}

function drizzleMigrate(file: string, migrationsFolder: string): void {
  const client = new Sqlite(file)
  try {
    migrate(drizzle({ client }), { migrationsFolder })
  } finally {
    client.close()
  }
}

function openCore(file: string): void {
  open(file).close()
}

/** Every Honker object in sqlite_master except core's migration ledger, exactly as stored. */
function honkerObjects(db: Sqlite.Database): unknown[] {
  return db
    .prepare(
      `SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master
       WHERE (name LIKE '%honker%' OR tbl_name LIKE '%honker%') AND tbl_name != ? ORDER BY name`,
    )
    .all(MIGRATIONS_TABLE)
}

const ledger = (db: Sqlite.Database): unknown[] => db.prepare(`SELECT version, name FROM ${MIGRATIONS_TABLE} ORDER BY version`).all()

interface Structure {
  [table: string]: {
    autoincrement: boolean
    columns: Record<string, unknown>[]
    indexes: { name: string; unique: number; origin: string; partial: number; where: string | null; columns: unknown[] }[]
  }
}

const normalizeSql = (text: string): string => text.replace(/[`"]/g, '').replace(/\s+/g, ' ').trim().toLowerCase()

/** What SQLite itself reports about each Honker table and index (the text formatting aside). */
function structure(db: Sqlite.Database): Structure {
  const tables = db
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_honker\\_%' ESCAPE '\\' AND name != ? ORDER BY name`)
    .all(MIGRATIONS_TABLE) as { name: string; sql: string }[]
  return Object.fromEntries(
    tables.map(({ name, sql }) => [
      name,
      {
        autoincrement: /\bAUTOINCREMENT\b/i.test(sql),
        columns: db.prepare(`SELECT cid, name, upper(type) AS type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)`).all(name) as Record<string, unknown>[],
        indexes: (db.prepare(`SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`).all(name) as Structure[string]['indexes']).map((index) => {
          const text = db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).pluck().get(index.name) as string | null
          const where = text === null ? null : (/\bWHERE\b([\s\S]*)$/i.exec(text)?.[1] ?? null)
          return {
            ...index,
            where: where === null ? null : normalizeSql(where),
            columns: db.prepare(`SELECT seqno, cid, name, "desc", coll, "key" FROM pragma_index_xinfo(?)`).all(index.name),
          }
        }),
      },
    ]),
  )
}

/** Differences between two structures, one line each. */
function differences(expected: Structure, actual: Structure): string[] {
  const out: string[] = []
  for (const table of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const a = expected[table]
    const b = actual[table]
    if (a === undefined || b === undefined) {
      out.push(`${table}: ${a === undefined ? 'extra' : 'missing'}`)
      continue
    }
    if (a.autoincrement !== b.autoincrement) out.push(`${table}: autoincrement ${a.autoincrement} -> ${b.autoincrement}`)
    if (a.columns.length !== b.columns.length) out.push(`${table}: ${a.columns.length} columns -> ${b.columns.length}`)
    a.columns.forEach((column, i) => {
      for (const [field, value] of Object.entries(column)) {
        if (b.columns[i]?.[field] !== value) out.push(`${table}.${String(column.name)}.${field}: ${String(value)} -> ${String(b.columns[i]?.[field])}`)
      }
    })
    if (JSON.stringify(a.indexes) !== JSON.stringify(b.indexes)) out.push(`${table}: indexes ${JSON.stringify(a.indexes)} -> ${JSON.stringify(b.indexes)}`)
  }
  return out
}

// On an INTEGER PRIMARY KEY (the rowid) SQLite assigns a fresh id for NULL whether or not the column
// says NOT NULL; drizzle-kit always writes NOT NULL next to AUTOINCREMENT. Nothing else may differ.
const ROWID_NOT_NULL = ['_honker_events.id.notnull: 0 -> 1', '_honker_live.id.notnull: 0 -> 1', '_honker_notifications.id.notnull: 0 -> 1', '_honker_stream.offset.notnull: 0 -> 1']

describe('drizzle-kit migrations carrying the Honker tables', () => {
  let generated: string // drizzle-kit's output folder, as written
  let patched: string // the same after `honker-drizzle if-not-exists`

  let shared: string // lives for the whole describe, unlike tempDir()

  beforeAll(() => {
    shared = mkdtempSync(path.join(tmpdir(), 'honker-drizzle-kit-'))
    generated = path.join(shared, 'generated')
    const stdout = drizzleKitGenerate(generated)
    expect(stdout).toMatch(/13 tables/)
    patched = path.join(shared, 'patched')
    cpSync(generated, patched, { recursive: true })
    const bin = honkerDrizzleBin(['if-not-exists', patched])
    expect(bin.status, bin.stderr).toBe(0)
  })
  afterAll(() => rmSync(shared, { recursive: true, force: true }))

  it('drizzle-kit generate writes the Honker DDL: AUTOINCREMENT, (unixepoch()) defaults, partial indexes, priority DESC', () => {
    const text = readMigrationSql(generated)
    expect(text).toContain('`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL')
    expect(text).toContain('`run_at` integer DEFAULT (unixepoch()) NOT NULL')
    expect(text).toContain("CREATE INDEX `_honker_live_claim` ON `_honker_live` (`queue`,\"priority\" DESC,`run_at`,`id`) WHERE state IN ('pending', 'processing')")
    expect(text).toContain('CREATE INDEX `_honker_live_exhausted` ON `_honker_live` (`queue`,`id`) WHERE attempts >= max_attempts')
    // --casing snake_case renamed the app's columns and none of Honker's.
    expect(text).toContain('`customer_email` text NOT NULL')
    expect(text).toContain('`claim_expires_at` integer')
  })

  it('migrates to the same tables, columns, defaults and indexes as honker 0.5.1 and core', () => {
    const viaDrizzle = path.join(tempDir(), 'drizzle.db')
    drizzleMigrate(viaDrizzle, generated)
    const ours = structure(openFile(viaDrizzle))

    // honker 0.5.1's own sqlite_master, replayed, plus core's additive migrations (0002, 0003).
    const honker = openFile(path.join(tempDir(), 'honker.db'))
    const objects = JSON.parse(readFileSync(honkerSnapshot, 'utf8')) as { type: string; name: string; sql: string | null }[]
    for (const type of ['table', 'index']) {
      for (const object of objects) if (object.type === type && object.sql !== null && object.name !== 'sqlite_sequence') honker.exec(object.sql)
    }
    for (const migration of MIGRATIONS.slice(1)) honker.exec(migration.sql) // core's additive steps
    expect(differences(structure(honker), ours)).toEqual(ROWID_NOT_NULL)

    const viaCore = path.join(tempDir(), 'core.db')
    openCore(viaCore)
    expect(differences(structure(openFile(viaCore)), ours)).toEqual(ROWID_NOT_NULL)
    expect(Object.keys(ours)).toHaveLength(12)
    expect(ours._honker_live!.indexes.find((i) => i.name === '_honker_live_claim')).toMatchObject({
      partial: 1,
      where: "state in ('pending', 'processing')",
      columns: expect.arrayContaining([expect.objectContaining({ name: 'priority', desc: 1 })]),
    })

    // ... and the NOT NULL on the rowid changes nothing: a NULL id still gets the next id.
    const db = openFile(viaDrizzle)
    expect(db.prepare(`INSERT INTO _honker_live (id, queue, payload) VALUES (NULL, 'q', '1') RETURNING id`).pluck().get()).toBe(1)
  })

  it('Drizzle migration first: core open() then changes no Honker object and only records its ledger', () => {
    const file = path.join(tempDir(), 'app.db')
    drizzleMigrate(file, generated)
    const db = openFile(file)
    const before = honkerObjects(db)
    expect(before.length).toBeGreaterThan(9)
    expect(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(MIGRATIONS_TABLE)).toBeUndefined()

    openCore(file)
    expect(honkerObjects(db)).toEqual(before)
    expect(ledger(db)).toEqual([
      { version: 1, name: expect.any(String) },
      { version: 2, name: expect.any(String) },
      { version: 3, name: expect.any(String) },
    ])
    openCore(file) // and a second open finds nothing at all to do
    expect(ledger(db)).toHaveLength(3)
    expect(honkerObjects(db)).toEqual(before)

    // The file works end to end: enqueue through Drizzle's tables, claim through core.
    const honker = open(file)
    onCleanup(() => honker.close())
    const id = honker.queue('emails').enqueue({ n: 1 })
    expect(honker.queue('emails').claimOne('w')?.id).toBe(id)
  })

  it("core first: drizzle-kit's plain CREATE TABLE fails on the existing tables and rolls back", () => {
    const file = path.join(tempDir(), 'app.db')
    openCore(file)
    expect(() => drizzleMigrate(file, generated)).toThrow(
      expect.objectContaining({ cause: expect.objectContaining({ message: expect.stringMatching(/table `_honker_\w+` already exists/) }) }),
    )
    const db = openFile(file)
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'orders'`).pluck().get()).toBe(0)
  })

  it('core first: the migration rewritten by honker-drizzle if-not-exists applies and leaves core\'s objects untouched', () => {
    const file = path.join(tempDir(), 'app.db')
    openCore(file)
    const db = openFile(file)
    const before = honkerObjects(db)
    drizzleMigrate(file, patched)
    expect(honkerObjects(db)).toEqual(before)
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'orders'`).pluck().get()).toBe(1)
    expect(db.prepare(`SELECT count(*) FROM __drizzle_migrations`).pluck().get()).toBe(1)
    openCore(file)
    expect(honkerObjects(db)).toEqual(before)
  })

  it('the rewritten migration also applies first, giving the same schema as the plain one', () => {
    const plain = path.join(tempDir(), 'plain.db')
    const rewritten = path.join(tempDir(), 'rewritten.db')
    drizzleMigrate(plain, generated)
    drizzleMigrate(rewritten, patched)
    expect(differences(structure(openFile(plain)), structure(openFile(rewritten)))).toEqual([])
  })

  it('a second drizzle-kit generate finds no changes (the expression index and defaults are stable)', () => {
    const out = path.join(tempDir(), 'drizzle')
    cpSync(generated, out, { recursive: true })
    const stdout = drizzleKitGenerate(out)
    expect(stdout).toMatch(/No schema changes/)
    expect(migrationFiles(out)).toHaveLength(1)
  })

  it('honker-drizzle if-not-exists --check fails until the folder is rewritten', () => {
    const out = path.join(tempDir(), 'drizzle')
    cpSync(generated, out, { recursive: true })
    const failing = honkerDrizzleBin(['if-not-exists', '--check', out])
    expect(failing.status).toBe(1)
    expect(failing.stderr).toMatch(/without IF NOT EXISTS/)
    expect(honkerDrizzleBin(['if-not-exists', out]).status).toBe(0)
    expect(honkerDrizzleBin(['if-not-exists', '--check', out]).status).toBe(0)
    expect(honkerDrizzleBin(['bogus']).status).toBe(2)
  })
})

describe('drizzle-kit push', () => {
  it("leaves core's tables alone when they are filtered out and not in the pushed schema", () => {
    const file = path.join(tempDir(), 'app.db')
    const honker = open(file)
    honker.queue('emails').enqueue({ n: 1 })
    honker.notify('orders', { n: 1 })
    honker.close()
    const db = openFile(file)
    const before = honkerObjects(db)
    const sequences = db.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all()

    expect(drizzleKitPush(file, appTables, '!_honker_*')).toContain('CREATE TABLE `orders`')
    expect(honkerObjects(db)).toEqual(before)
    expect(db.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all()).toEqual(sequences)
    expect(ledger(db)).toHaveLength(3)
    expect(drizzleKitPush(file, appTables, '!_honker_*')).toMatch(/No changes detected/)
  })
})

describe('honkerIfNotExists', () => {
  it("rewrites only the _honker_* CREATE statements, once", () => {
    const input = [
      'CREATE TABLE `orders` (\n\t`id` integer PRIMARY KEY NOT NULL\n);',
      '--> statement-breakpoint',
      'CREATE TABLE `_honker_live` (\n\t`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL\n);',
      '--> statement-breakpoint',
      "CREATE INDEX `_honker_live_claim` ON `_honker_live` (`queue`) WHERE state = 'pending';--> statement-breakpoint",
      'CREATE UNIQUE INDEX `_honker_x` ON `_honker_live` (`id`);--> statement-breakpoint',
      'CREATE INDEX `orders_on_honker` ON `orders` (`id`);',
    ].join('\n')
    const output = honkerIfNotExists(input)
    expect(output).toContain('CREATE TABLE `orders` (')
    expect(output).toContain('CREATE TABLE IF NOT EXISTS `_honker_live` (')
    expect(output).toContain('CREATE INDEX IF NOT EXISTS `_honker_live_claim` ON `_honker_live`')
    expect(output).toContain('CREATE UNIQUE INDEX IF NOT EXISTS `_honker_x`')
    expect(output).toContain('CREATE INDEX `orders_on_honker`')
    expect(output.split('IF NOT EXISTS')).toHaveLength(4)
    expect(honkerIfNotExists(output)).toBe(output)
  })

  it('leaves a file without Honker statements byte for byte', () => {
    const dir = tempDir()
    const file = path.join(dir, '0001_app.sql')
    writeFileSync(file, 'ALTER TABLE `orders` ADD `note` text;')
    expect(honkerIfNotExists(readFileSync(file, 'utf8'))).toBe('ALTER TABLE `orders` ADD `note` text;')
  })
})
