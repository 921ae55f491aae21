import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { HonkerError, open } from '@honker/core'
import { MIGRATIONS, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { describe, expect, it } from 'vitest'
import {
  MigrationChecksumError,
  MigrationFailedError,
  MigrationsNotFoundError,
  MigrationUnresolvedError,
  addHonkerMigration,
  applyMigrations,
  createHonker,
  enqueue,
  honkerMigrations,
  missingHonkerMigrations,
  prismaSqliteDriver,
} from '../src/index.ts'
import { onCleanup, prismaClient } from './helpers.ts'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const bin = path.join(root, 'bin', 'honker-prisma.mjs')

/** The test app's table as `prisma migrate dev` writes it for test/prisma/app.prisma. */
const INIT_SQL = `-- CreateTable
CREATE TABLE "orders" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "note" TEXT
);
`

/** The history table exactly as Prisma's schema engine creates it on SQLite (sqlite_master.sql). */
const PRISMA_HISTORY_SQL = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`

interface Project {
  dir: string
  migrations: string
  file: string
  url: string
  write(name: string, sql: string): string
}

/** A temp app folder with prisma/migrations (created on first write) and the path of its database. */
function project(): Project {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-prisma-migrate-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  const migrations = path.join(dir, 'prisma', 'migrations')
  const file = path.join(dir, 'dev.db')
  return {
    dir,
    migrations,
    file,
    url: `file:${file}`,
    write(name, sql) {
      mkdirSync(path.join(migrations, name), { recursive: true })
      writeFileSync(path.join(migrations, name, 'migration.sql'), sql)
      return path.join(migrations, name, 'migration.sql')
    },
  }
}

interface HistoryRow {
  id: string
  checksum: string
  finished_at: number | null
  migration_name: string
  logs: string | null
  rolled_back_at: number | null
  started_at: number
  applied_steps_count: number
}

function query<T>(file: string, sql: string, ...params: unknown[]): T[] {
  const Driver = prismaSqliteDriver()
  const db = new Driver(file, { readonly: true })
  try {
    return db.prepare(sql).all(...params) as T[]
  } finally {
    db.close()
  }
}
const history = (file: string) => query<HistoryRow>(file, 'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name')
const tables = (file: string) =>
  query<{ name: string }>(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => r.name)
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function runBin(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  if (!existsSync(path.join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: build @honker/prisma first')
  const env = { ...process.env, ...options.env }
  if (options.env !== undefined && 'DATABASE_URL' in options.env && options.env.DATABASE_URL === undefined) delete env.DATABASE_URL
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: options.cwd ?? tmpdir(), env, encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('applyMigrations', () => {
  it('applies the folder in name order and records each migration the way prisma migrate deploy does', () => {
    const app = project()
    const init = app.write('20260101000000_init', INIT_SQL)
    expect(addHonkerMigration({ migrationsDir: app.migrations, now: new Date(Date.UTC(2026, 0, 1, 0, 1, 0)) }).versions).toEqual(
      MIGRATIONS.map((m) => m.version),
    )
    const before = Date.now()
    const result = applyMigrations({ url: app.url, migrationsDir: app.migrations })
    const after = Date.now()
    expect(result).toEqual({ applied: ['20260101000000_init', '20260101000100_honker'], alreadyApplied: [] })

    // Prisma's table, statement for statement as the schema engine creates it.
    expect(query<{ sql: string }>(app.file, "SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'")).toEqual([
      { sql: PRISMA_HISTORY_SQL },
    ])
    const rows = history(app.file)
    expect(rows.map((row) => row.migration_name)).toEqual(result.applied)
    const files = [init, path.join(app.migrations, '20260101000100_honker', 'migration.sql')]
    rows.forEach((row, i) => {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(row.checksum).toBe(sha256(readFileSync(files[i]!, 'utf8'))) // sha256 of the file, hex
      expect(row.logs).toBeNull()
      expect(row.rolled_back_at).toBeNull()
      expect(row.applied_steps_count).toBe(1)
      // DATETIME columns hold integer milliseconds, as the engine (quaint) binds chrono times on SQLite.
      expect(Number.isInteger(row.started_at) && Number.isInteger(row.finished_at)).toBe(true)
      expect(row.started_at).toBeGreaterThanOrEqual(before)
      expect(row.finished_at!).toBeGreaterThanOrEqual(row.started_at)
      expect(row.finished_at!).toBeLessThanOrEqual(after)
    })
    expect(query<{ t: string }>(app.file, 'SELECT DISTINCT typeof(started_at) AS t FROM _prisma_migrations')).toEqual([{ t: 'integer' }])

    // Honker's migration left core's ledger complete: nothing for createHonker to do.
    expect(query<{ version: number }>(app.file, `SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).map((r) => r.version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    )
    expect(tables(app.file)).toEqual(expect.arrayContaining(['orders', '_honker_live', '_honker_dead', '_prisma_migrations']))

    // A second run applies nothing.
    expect(applyMigrations({ url: app.url, migrationsDir: app.migrations })).toEqual({ applied: [], alreadyApplied: result.applied })
    expect(history(app.file)).toEqual(rows)
  })

  it('gives the file what the Prisma client and createHonker expect', async () => {
    const app = project()
    app.write('20260101000000_init', INIT_SQL)
    addHonkerMigration({ migrationsDir: app.migrations })
    applyMigrations({ url: app.url, migrationsDir: app.migrations })

    const viaCore = path.join(app.dir, 'core.db')
    open(viaCore).close()
    const honkerObjects = (file: string) =>
      query<{ type: string; name: string; sql: string | null }>(file, "SELECT type, name, sql FROM sqlite_master WHERE name LIKE '\\_honker%' ESCAPE '\\' ORDER BY name")
    expect(honkerObjects(app.file)).toEqual(honkerObjects(viaCore))

    const prisma = prismaClient(app.url)
    const honker = createHonker({ url: app.url })
    onCleanup(() => honker.close())
    const jobId = await prisma.$transaction(async (tx) => {
      const order = await tx.order.create({ data: { note: 'first' } })
      return enqueue(tx, 'emails', { orderId: order.id })
    })
    expect(honker.queue('emails').getJob(jobId)?.payloadText).toBe('{"orderId":1}')
  })

  it('takes the url the way PrismaBetterSqlite3 does and creates the file and its folder', () => {
    const app = project()
    app.write('20260101000000_init', INIT_SQL)
    const cwd = process.cwd()
    process.chdir(app.dir)
    onCleanup(() => process.chdir(cwd))
    expect(applyMigrations({ url: 'file:./data/app.db', migrationsDir: 'prisma/migrations' }).applied).toEqual(['20260101000000_init'])
    expect(tables(path.join(app.dir, 'data', 'app.db'))).toContain('orders')
    expect(applyMigrations({ url: 'data/app.db', migrationsDir: 'prisma/migrations' }).applied).toEqual([])
  })

  it('works on an open better-sqlite3 handle, which it leaves open with foreign keys as they were', () => {
    const app = project()
    app.write('20260101000000_init', INIT_SQL)
    const Driver = prismaSqliteDriver()
    const db = new Driver(app.file)
    onCleanup(() => db.close())
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(applyMigrations({ database: db, migrationsDir: app.migrations }).applied).toEqual(['20260101000000_init'])
    expect(db.open).toBe(true)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)

    db.exec('BEGIN')
    expect(caught(() => applyMigrations({ database: db, migrationsDir: app.migrations }))).toMatchObject({ code: 'invalid_argument' })
    db.exec('ROLLBACK')
  })

  it('refuses bad options before touching anything', () => {
    const app = project()
    app.write('20260101000000_init', INIT_SQL)
    const cwd = process.cwd()
    process.chdir(app.dir) // a url taken for a file name would land here
    onCleanup(() => process.chdir(cwd))
    expect(caught(() => applyMigrations({ migrationsDir: app.migrations }))).toMatchObject({ code: 'invalid_argument' })
    expect(caught(() => applyMigrations({ url: app.url, database: {} as never, migrationsDir: app.migrations }))).toMatchObject({
      code: 'invalid_argument',
    })
    expect(caught(() => applyMigrations({ url: app.url, migrationsDir: '' }))).toMatchObject({ code: 'invalid_argument' })
    // As for createHonker: only the exact names. better-sqlite3 takes no URI parameters, so
    // 'file::memory:?cache=shared' is a file of that name for the adapter, and for the runner.
    for (const url of [':memory:', 'file::memory:']) {
      expect(caught(() => applyMigrations({ url, migrationsDir: app.migrations }))).toMatchObject({ code: 'memory_database' })
    }
    writeFileSync(path.join(app.migrations, 'migration_lock.toml'), 'provider = "postgresql"\n')
    expect(caught(() => applyMigrations({ url: app.url, migrationsDir: app.migrations }))).toMatchObject({ code: 'invalid_argument' })
    expect(existsSync(app.file)).toBe(false)
  })

  describe('coded errors', () => {
    it('migrations_not_found: no folder, or a migration without migration.sql; the database is not created', () => {
      const app = project()
      const missing = caught(() => applyMigrations({ url: app.url, migrationsDir: app.migrations }))
      expect(missing).toBeInstanceOf(MigrationsNotFoundError)
      expect(missing).toBeInstanceOf(HonkerError)
      expect(HonkerError.isInstance(missing)).toBe(true)
      expect(missing).toMatchObject({ code: 'migrations_not_found', path: app.migrations, migration: undefined })

      app.write('20260101000000_init', INIT_SQL)
      mkdirSync(path.join(app.migrations, '20260101000100_empty'))
      expect(caught(() => applyMigrations({ url: app.url, migrationsDir: app.migrations }))).toMatchObject({
        code: 'migrations_not_found',
        migration: '20260101000100_empty',
      })
      expect(existsSync(app.file)).toBe(false)
    })

    it('migration_failed: the failing migration is rolled back whole and not recorded; the ones before it stay', () => {
      const app = project()
      app.write('20260101000000_init', INIT_SQL)
      const broken = app.write(
        '20260102000000_broken',
        'CREATE TABLE "customers" ("id" INTEGER NOT NULL PRIMARY KEY);\nINSERT INTO "orders" ("note") VALUES (\'half\');\nCREATE TABLE oops (;\n',
      )
      app.write('20260103000000_later', 'CREATE TABLE "later" ("id" INTEGER NOT NULL PRIMARY KEY);\n')

      const error = caught(() => applyMigrations({ url: app.url, migrationsDir: app.migrations }))
      expect(error).toBeInstanceOf(MigrationFailedError)
      expect(error).toMatchObject({ code: 'migration_failed', migration: '20260102000000_broken', applied: ['20260101000000_init'] })
      expect((error as Error).message).toMatch(/20260102000000_broken failed and was rolled back: .*syntax error/)
      expect((error as { cause: { code: string } }).cause.code).toBe('SQLITE_ERROR')

      expect(tables(app.file)).toEqual(['_prisma_migrations', 'orders']) // no customers, no later
      expect(query(app.file, 'SELECT * FROM orders')).toEqual([]) // its INSERT is gone too
      expect(history(app.file).map((row) => row.migration_name)).toEqual(['20260101000000_init']) // no failed row

      // Fixed, the same folder applies from where it stopped.
      writeFileSync(broken, 'CREATE TABLE "customers" ("id" INTEGER NOT NULL PRIMARY KEY);\n')
      expect(applyMigrations({ url: app.url, migrationsDir: app.migrations })).toEqual({
        applied: ['20260102000000_broken', '20260103000000_later'],
        alreadyApplied: ['20260101000000_init'],
      })
    })

    it('migration_checksum_mismatch: an applied migration was edited; nothing pending is applied', () => {
      const app = project()
      const init = app.write('20260101000000_init', INIT_SQL)
      applyMigrations({ url: app.url, migrationsDir: app.migrations })
      const recorded = history(app.file)[0]!.checksum

      // Line endings do not count (git may convert them), as in Prisma.
      writeFileSync(init, INIT_SQL.replaceAll('\n', '\r\n'))
      expect(applyMigrations({ url: app.url, migrationsDir: app.migrations }).applied).toEqual([])

      writeFileSync(init, INIT_SQL.replace('"note" TEXT', '"note" TEXT NOT NULL'))
      app.write('20260102000000_next', 'CREATE TABLE "next" ("id" INTEGER NOT NULL PRIMARY KEY);\n')
      const error = caught(() => applyMigrations({ url: app.url, migrationsDir: app.migrations }))
      expect(error).toBeInstanceOf(MigrationChecksumError)
      expect(error).toMatchObject({
        code: 'migration_checksum_mismatch',
        migration: '20260101000000_init',
        recorded,
        actual: sha256(readFileSync(init, 'utf8')),
      })
      expect(tables(app.file)).not.toContain('next')
      expect(history(app.file)).toHaveLength(1)
    })

    it("accepts the unpadded checksums Prisma 2.x wrote, as Prisma does", () => {
      // A text whose digest has bytes below 0x10, which Prisma 2.x wrote as one hex digit.
      let sql = INIT_SQL
      for (let n = 0; [...createHash('sha256').update(sql).digest()].every((byte) => byte >= 0x10); n++) sql = `${INIT_SQL}-- ${n}\n`
      const app = project()
      app.write('20260101000000_init', sql)
      applyMigrations({ url: app.url, migrationsDir: app.migrations })
      const unpadded = [...createHash('sha256').update(sql).digest()].map((byte) => byte.toString(16)).join('')
      expect(unpadded.length).toBeLessThan(64)
      const Driver = prismaSqliteDriver()
      const db = new Driver(app.file)
      db.prepare('UPDATE _prisma_migrations SET checksum = ?').run(unpadded)
      db.close()
      expect(applyMigrations({ url: app.url, migrationsDir: app.migrations }).applied).toEqual([])
    })

    it('migration_unresolved: a failed attempt recorded by prisma migrate deploy blocks until it is marked rolled back', () => {
      const app = project()
      app.write('20260101000000_init', INIT_SQL)
      applyMigrations({ url: app.url, migrationsDir: app.migrations }) // creates _prisma_migrations
      app.write('20260102000000_next', 'CREATE TABLE "next" ("id" INTEGER NOT NULL PRIMARY KEY);\n')
      const Driver = prismaSqliteDriver()
      const db = new Driver(app.file)
      onCleanup(() => db.close())
      // What the engine leaves when a script fails: started, a failed-step log, never finished.
      db.prepare(
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, logs) VALUES ('x', ?, '20260102000000_next', ?, 'boom')",
      ).run(sha256('whatever'), Date.now())

      const error = caught(() => applyMigrations({ url: app.url, migrationsDir: app.migrations }))
      expect(error).toBeInstanceOf(MigrationUnresolvedError)
      expect(error).toMatchObject({ code: 'migration_unresolved', migration: '20260102000000_next' })
      expect(tables(app.file)).not.toContain('next')

      db.prepare("UPDATE _prisma_migrations SET rolled_back_at = ? WHERE id = 'x'").run(Date.now())
      expect(applyMigrations({ url: app.url, migrationsDir: app.migrations }).applied).toEqual(['20260102000000_next'])
      expect(history(app.file).filter((row) => row.migration_name === '20260102000000_next')).toEqual([
        expect.objectContaining({ id: 'x', rolled_back_at: expect.any(Number) }),
        expect.objectContaining({ finished_at: expect.any(Number), rolled_back_at: null }),
      ])
    })
  })

  describe('foreign keys', () => {
    const PARENTS = `CREATE TABLE "users" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT);
CREATE TABLE "posts" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    CONSTRAINT "posts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "users" ("id", "name") VALUES (1, 'ada');
INSERT INTO "posts" ("user_id") VALUES (1), (1);
`
    // What `prisma migrate dev` writes to make users.name required: SQLite's table redefinition.
    const REDEFINE = `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_users" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL DEFAULT ''
);
INSERT INTO "new_users" ("id", "name") SELECT "id", coalesce("name", '') AS "name" FROM "users";
DROP TABLE "users";
ALTER TABLE "new_users" RENAME TO "users";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`

    it("a table redefinition keeps the children of a parent with ON DELETE CASCADE", () => {
      const app = project()
      app.write('20260101000000_init', PARENTS)
      app.write('20260102000000_required_name', REDEFINE)
      expect(applyMigrations({ url: app.url, migrationsDir: app.migrations }).applied).toHaveLength(2)
      // With foreign keys on inside the transaction, DROP TABLE "users" would have cascaded.
      expect(query(app.file, 'SELECT count(*) AS n FROM posts')).toEqual([{ n: 2 }])
      expect(query(app.file, 'PRAGMA foreign_key_check')).toEqual([])
    })

    it('a migration that leaves new foreign key violations fails and is rolled back', () => {
      const app = project()
      app.write('20260101000000_init', PARENTS)
      app.write('20260102000000_orphans', 'INSERT INTO "posts" ("user_id") VALUES (42);\n')
      const error = caught(() => applyMigrations({ url: app.url, migrationsDir: app.migrations }))
      expect(error).toMatchObject({ code: 'migration_failed', migration: '20260102000000_orphans' })
      expect((error as Error).message).toMatch(/foreign key violations .*posts, \d+, users, 0/)
      expect(query(app.file, 'SELECT count(*) AS n FROM posts')).toEqual([{ n: 2 }])
    })
  })
})

describe('addHonkerMigration', () => {
  it('writes the shipped SQL as one timestamped migration, with migration_lock.toml in a new folder', () => {
    const app = project()
    const result = addHonkerMigration({ migrationsDir: app.migrations, now: new Date(Date.UTC(2026, 4, 17, 9, 8, 7)) })
    expect(result).toEqual({ folder: path.join(app.migrations, '20260517090807_honker'), versions: MIGRATIONS.map((m) => m.version) })
    expect(readFileSync(path.join(result.folder!, 'migration.sql'), 'utf8')).toBe(honkerMigrations().map((m) => m.sql).join(''))
    expect(readFileSync(path.join(app.migrations, 'migration_lock.toml'), 'utf8')).toBe(
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "sqlite"\n',
    )
    expect(missingHonkerMigrations(app.migrations)).toEqual([])
    expect(addHonkerMigration({ migrationsDir: app.migrations })).toEqual({ folder: null, versions: [] })
  })

  it('adds only the versions the folder lacks (an upgrade), named to sort after every migration', () => {
    const app = project()
    const [first, ...rest] = honkerMigrations()
    app.write('20260101000000_init', INIT_SQL)
    app.write('20260101000100_honker', first!.sql)
    app.write('20991231235959_from_the_future', 'SELECT 1;\n')
    expect(missingHonkerMigrations(app.migrations).map((m) => m.version)).toEqual(rest.map((m) => m.version))
    const { folder, versions } = addHonkerMigration({ migrationsDir: app.migrations, name: 'honker_upgrade' })
    expect(path.basename(folder!)).toBe('21000101000000_honker_upgrade') // one second after the last one
    expect(versions).toEqual(rest.map((m) => m.version))
    expect(readFileSync(path.join(folder!, 'migration.sql'), 'utf8')).toBe(rest.map((m) => m.sql).join(''))
    expect(readdirSync(app.migrations).filter((name) => name !== 'migration_lock.toml').sort().at(-1)).toBe(path.basename(folder!))

    expect(applyMigrations({ url: app.url, migrationsDir: app.migrations }).applied).toHaveLength(4)
    expect(query<{ version: number }>(app.file, `SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).map((r) => r.version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    )
  })
})

describe('the honker-prisma bin (a child process)', () => {
  it('migrate: applies, reports, and applies nothing the second time', () => {
    const app = project()
    app.write('20260101000000_init', INIT_SQL)
    const added = runBin(['add-migration', '--dir', 'prisma/migrations'], { cwd: app.dir })
    expect(added).toMatchObject({ status: 0, stderr: '' })
    expect(added.stdout).toMatch(/^Wrote prisma\/migrations\/\d{14}_honker\/migration\.sql \(Honker schema versions 1, 2, 3\)\.\n$/)

    const first = runBin(['migrate', '--url', 'file:./dev.db'], { cwd: app.dir })
    expect(first).toMatchObject({ status: 0, stderr: '' })
    const honkerFolder = readdirSync(app.migrations).find((name) => name.endsWith('_honker'))!
    expect(first.stdout).toBe(
      '2 migrations found in prisma/migrations\n' +
        `Applied migration 20260101000000_init\nApplied migration ${honkerFolder}\n` +
        'All migrations have been successfully applied to file:./dev.db.\n',
    )
    expect(history(app.file).map((row) => row.migration_name)).toEqual(['20260101000000_init', honkerFolder])

    const second = runBin(['migrate', '--dir', app.migrations], { cwd: app.dir, env: { DATABASE_URL: app.url } })
    expect(second).toMatchObject({ status: 0, stderr: '' })
    expect(second.stdout).toBe(`2 migrations found in ${app.migrations}\nNo pending migrations to apply.\n`)
    expect(runBin(['add-migration'], { cwd: app.dir }).stdout).toBe('prisma/migrations already has every Honker migration.\n')
  })

  it('exits 1 with the error code on a failed migration, a changed checksum or a missing folder', () => {
    const app = project()
    app.write('20260101000000_init', INIT_SQL)
    const bad = app.write('20260102000000_bad', 'CREATE TABLE "x" ("id" INTEGER);\nNOT SQL;\n')
    const failed = runBin(['migrate', '--url', app.url, '--dir', app.migrations])
    expect(failed.status).toBe(1)
    expect(failed.stdout).toBe('2 migrations found in ' + app.migrations + '\nApplied migration 20260101000000_init\n')
    expect(failed.stderr).toMatch(/^Applied before the failure: 20260101000000_init\nhonker-prisma: migration_failed: migration 20260102000000_bad failed and was rolled back: /)
    expect(tables(app.file)).not.toContain('x')

    writeFileSync(bad, 'CREATE TABLE "x" ("id" INTEGER);\n')
    expect(runBin(['migrate', '--url', app.url, '--dir', app.migrations]).status).toBe(0)
    writeFileSync(bad, 'CREATE TABLE "x" ("id" INTEGER, "y" TEXT);\n')
    const changed = runBin(['migrate', '--url', app.url, '--dir', app.migrations])
    expect(changed.status).toBe(1)
    expect(changed.stderr).toMatch(/^honker-prisma: migration_checksum_mismatch: migration 20260102000000_bad was modified after it was applied/)

    const missing = runBin(['migrate', '--url', app.url, '--dir', path.join(app.dir, 'nope')])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/^honker-prisma: migrations_not_found: no migrations folder at /)
  })

  it('notes a folder without Honker migration, and exits 2 on usage errors', () => {
    const app = project()
    app.write('20260101000000_init', INIT_SQL)
    const noHonker = runBin(['migrate', '--url', app.url, '--dir', app.migrations])
    expect(noHonker.status).toBe(0)
    expect(noHonker.stderr).toMatch(/^note: .* has no migration for Honker's schema versions 1, 2, 3; `honker-prisma add-migration` adds it/)

    expect(runBin(['migrate', '--dir', app.migrations], { env: { DATABASE_URL: undefined } })).toMatchObject({ status: 2 })
    expect(runBin([])).toMatchObject({ status: 2 })
    expect(runBin(['deploy'])).toMatchObject({ status: 2 })
    expect(runBin(['migrate', '--bogus'])).toMatchObject({ status: 2 })
    expect(runBin(['--help'])).toMatchObject({ status: 0, stdout: expect.stringContaining('honker-prisma migrate') })
  })

  it('two processes migrating the same file at once apply each migration once', async () => {
    const app = project()
    for (let i = 0; i < 8; i++) {
      app.write(`2026010100000${i}_m${i}`, `CREATE TABLE "t${i}" ("id" INTEGER NOT NULL PRIMARY KEY);\nINSERT INTO "t${i}" VALUES (1);\n`)
    }
    addHonkerMigration({ migrationsDir: app.migrations })
    const run = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [bin, 'migrate', '--url', app.url, '--dir', app.migrations], { stdio: 'ignore' })
        child.on('exit', resolve)
      })
    expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0])
    const rows = history(app.file)
    expect(rows).toHaveLength(9)
    expect(new Set(rows.map((row) => row.migration_name)).size).toBe(9)
    for (let i = 0; i < 8; i++) expect(query(app.file, `SELECT count(*) AS n FROM t${i}`)).toEqual([{ n: 1 }])
  })
})
