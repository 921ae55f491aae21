import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import Sqlite from './sqlite.ts'
import { open } from '@honker/core'
import { LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE } from '@honker/core/adapter'
import { onCleanup, spawnFixture, tempDbPath } from './helpers.ts'
import { OUR_OBJECTS, honkerRowsAfterMigration } from './support/schema-additions.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const honkerSchema = JSON.parse(readFileSync(path.join(here, 'snapshots', 'honker-0.5.1-schema.json'), 'utf8')) as {
  type: string
  name: string
  tbl_name: string
  sql: string | null
}[]
/** Objects this project adds on top of honker's schema (additive, ignored by honker). */
const OWN_OBJECTS = new Set(OUR_OBJECTS)

function schemaOf(file: string) {
  const handle = new Sqlite(file, { readonly: true })
  try {
    return handle.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all() as typeof honkerSchema
  } finally {
    handle.close()
  }
}

describe('schema migration', () => {
  it("creates honker's schema byte for byte, plus only our additive objects", () => {
    const file = tempDbPath()
    open(file).close()
    const schema = schemaOf(file)
    expect(schema.filter((row) => !OWN_OBJECTS.has(row.name))).toEqual(honkerRowsAfterMigration(honkerSchema))
    expect(schema.filter((row) => OWN_OBJECTS.has(row.name)).map((row) => row.name)).toEqual(OUR_OBJECTS)
    expect(schema.find((row) => row.name === '_honker_live_exhausted')?.sql).toContain('WHERE attempts >= max_attempts')
  })

  it('is idempotent, versioned in its own table, and leaves PRAGMA user_version to the app', () => {
    const file = tempDbPath()
    const app = new Sqlite(file)
    app.pragma('user_version = 7')
    app.close()
    open(file).close()
    open(file).close()
    const handle = new Sqlite(file)
    onCleanup(() => handle.close())
    expect(handle.pragma('user_version', { simple: true })).toBe(7)
    const versions = handle.prepare(`SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).pluck().all()
    expect(versions).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1))
  })

  it('sets the connection settings of docs/compatibility.md 1.1 on connections it opens', () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const connection = db.executor.connection
    expect(connection.prepare('PRAGMA journal_mode').value()).toBe('wal')
    expect(connection.prepare('PRAGMA synchronous').value()).toBe(1)
    expect(connection.prepare('PRAGMA busy_timeout').value()).toBe(5000)
    expect(connection.prepare('PRAGMA foreign_keys').value()).toBe(1)
    expect(connection.prepare('PRAGMA cache_size').value()).toBe(-32000)
    expect(connection.prepare('PRAGMA temp_store').value()).toBe(2)
    expect(connection.prepare('PRAGMA wal_autocheckpoint').value()).toBe(10000)
  })

  it('cacheSizeKiB sets the page cache of the connection it opens; bad values and { database } are refused', () => {
    const db = open(tempDbPath(), { cacheSizeKiB: 2000 })
    onCleanup(() => db.close())
    expect(db.executor.connection.prepare('PRAGMA cache_size').value()).toBe(-2000)
    expect(db.executor.connection.prepare('PRAGMA journal_mode').value()).toBe('wal')
    for (const bad of [0, -5, 1.5, '2000', Number.NaN]) {
      expect(() => open(tempDbPath(), { cacheSizeKiB: bad as number })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    }
    const handle = new Sqlite(tempDbPath())
    onCleanup(() => handle.close())
    expect(() => open({ database: handle, cacheSizeKiB: 2000 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })

  it('adds the scheduler columns to a file from an older honker, keeping its rows', () => {
    const file = tempDbPath()
    const old = new Sqlite(file)
    old.exec(`CREATE TABLE _honker_scheduler_tasks (name TEXT PRIMARY KEY, queue TEXT NOT NULL, cron_expr TEXT NOT NULL,
      payload TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0, expires_s INTEGER, next_fire_at INTEGER NOT NULL)`)
    old.prepare(`INSERT INTO _honker_scheduler_tasks (name, queue, cron_expr, payload, next_fire_at) VALUES ('t', 'q', '@every 1s', '{}', 1)`).run()
    old.close()
    open(file).close()
    const handle = new Sqlite(file)
    onCleanup(() => handle.close())
    expect(handle.prepare('SELECT name, enabled, max_attempts FROM _honker_scheduler_tasks').get()).toEqual({ name: 't', enabled: 1, max_attempts: 3 })
  })

  it('is safe when several processes open a new file at once', async () => {
    const file = tempDbPath()
    const children = Array.from({ length: 4 }, () => spawnFixture('open-and-enqueue.mjs', { db: file, count: 25 }))
    const results = await Promise.all(children.map((child) => child.exited))
    for (const [i, result] of results.entries()) expect(result, children[i]!.stderr()).toEqual({ code: 0, signal: null })
    const handle = new Sqlite(file)
    onCleanup(() => handle.close())
    expect(handle.prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(100)
    expect(handle.prepare(`SELECT count(*) FROM ${MIGRATIONS_TABLE}`).pluck().get()).toBe(LATEST_SCHEMA_VERSION)
  })

  it('keeps src/generated/migrations.ts in step with sql/migrations', () => {
    const result = spawnSync(process.execPath, [path.join(here, '..', 'scripts', 'build-sql.mjs'), '--check'], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})
