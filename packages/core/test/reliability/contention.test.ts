import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database, { sqliteCodeOf } from '../sqlite.ts'
import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { runContentionSoak } from '../../soak/lib/contention.mjs'
import { onCleanup, spawnFixture, tempDbPath } from '../helpers.ts'

function workDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-contention-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A Honker file with an app table, and a raw better-sqlite3 connection to it like an ORM's. */
function appDatabase(busyTimeoutMs: number) {
  const file = tempDbPath()
  const db = open(file)
  onCleanup(() => db.close())
  db.transaction((tx) => tx.run('CREATE TABLE app_orders (id INTEGER PRIMARY KEY, note TEXT NOT NULL)'))
  const orm = new Database(file, { timeout: busyTimeoutMs })
  onCleanup(() => {
    if (orm.inTransaction) orm.exec('ROLLBACK')
    orm.close()
  })
  return { file, db, orm }
}

function sqliteCode(fn: () => unknown): string | null {
  try {
    fn()
    return null
  } catch (error) {
    return sqliteCodeOf(error) ?? 'uncoded'
  }
}

describe('contention (CI size)', () => {
  it('8 processes mixing enqueue, claim, ack, notify and publish for ~10 s: no busy error reaches a caller, all finish', async () => {
    const report = await runContentionSoak({ dir: workDir(), processes: 8, durationMs: 10_000, graceMs: 30_000 })
    const summary = JSON.stringify(report, null, 1)
    expect(report.hung, summary).toEqual([])
    expect(report.busyErrors, summary).toBe(0)
    expect(report.errors, summary).toEqual({})
    expect(report.problems, summary).toEqual([])
    expect(report.outOfOrder, summary).toBe(0)
    expect(report.leftProcessing, summary).toBe(0)
    expect(report.inBothTables).toBe(0)
    expect(report.integrity).toBe('ok')
    // Every kind of operation really ran, and concurrently with the background consumers.
    for (const op of ['enqueue', 'enqueueMany', 'businessTransaction', 'claimAndSettle', 'notify', 'publish', 'readAndSaveOffset', 'lock', 'rateLimit', 'received', 'followed', 'worked']) {
      expect(report.ops[op] ?? 0, `${op}\n${summary}`).toBeGreaterThan(0)
    }
    expect(report.ok, summary).toBe(true)
    console.log(`[contention CI] ${JSON.stringify({ durationMs: report.durationMs, totalOps: report.totalOps, busy: report.busyErrors })}`)
  })
})

/**
 * The deferred-transaction upgrade trap (docs/reliability.md): a transaction that starts with
 * BEGIN (DEFERRED), reads, and then writes must upgrade its read snapshot to a write lock. If
 * another connection wrote in between, or holds the write lock, SQLite refuses at once with
 * SQLITE_BUSY_SNAPSHOT / SQLITE_BUSY: busy_timeout cannot help (waiting would deadlock, or the
 * snapshot is already stale), so the ORM user sees a busy error whatever the timeout. Honker's own
 * transactions and `db.transaction` are BEGIN IMMEDIATE: they take the write lock first, waiting
 * (busy_timeout) for other writers, and so never hit it.
 */
describe('deferred-transaction upgrade trap', () => {
  it('BEGIN DEFERRED, read, another process commits, write: SQLITE_BUSY_SNAPSHOT, which no busy_timeout can cure', async () => {
    // A busy_timeout longer than the test's own timeout: if SQLite waited on it, the test would time out.
    const { file, orm } = appDatabase(600_000)
    orm.exec('BEGIN DEFERRED')
    const seen = orm.prepare('SELECT count(*) FROM app_orders').pluck().get()
    expect(seen).toBe(0)
    const writer = spawnFixture('open-and-enqueue.mjs', { db: file, count: 1 }) // commits, then exits
    expect(await writer.exited).toEqual({ code: 0, signal: null })

    const insert = orm.prepare('INSERT INTO app_orders (note) VALUES (?)')
    expect(sqliteCode(() => insert.run('from the ORM'))).toBe('SQLITE_BUSY_SNAPSHOT')
    // Nobody holds the lock any more, and it still fails: the snapshot is stale for good.
    expect(sqliteCode(() => insert.run('from the ORM'))).toBe('SQLITE_BUSY_SNAPSHOT')
    orm.exec('ROLLBACK')

    // Write first (or BEGIN IMMEDIATE): the write lock comes with a fresh snapshot, nothing to upgrade.
    orm.exec('BEGIN DEFERRED')
    insert.run('write first')
    expect(orm.prepare('SELECT count(*) FROM app_orders').pluck().get()).toBe(1)
    orm.exec('COMMIT')
  })

  it('BEGIN DEFERRED, read, while another process holds the write lock: SQLITE_BUSY at once; IMMEDIATE waits and succeeds', async () => {
    const { file, db, orm } = appDatabase(600_000)
    orm.exec('BEGIN DEFERRED')
    orm.prepare('SELECT count(*) FROM app_orders').pluck().get()
    const holder = spawnFixture('hold-write-lock.mjs', { db: file, holdMs: 1500, note: 'holder' })
    await holder.waitFor((m) => m.event === 'holding')

    expect(sqliteCode(() => orm.prepare('INSERT INTO app_orders (note) VALUES (?)').run('upgrade'))).toBe('SQLITE_BUSY')
    // It did not wait for the lock: the holder has not committed yet (busy_timeout was ignored).
    expect(holder.messages.some((m) => m.event === 'committed')).toBe(false)
    orm.exec('ROLLBACK')

    // The same read-then-write through db.transaction (BEGIN IMMEDIATE) waits for the holder and
    // succeeds; its read already sees the holder's committed row.
    const result = db.transaction((tx) => {
      const before = tx.get<{ n: number }>('SELECT count(*) AS n FROM app_orders')!.n
      tx.run('INSERT INTO app_orders (note) VALUES (?)', ['honker transaction'])
      db.queue('orders').enqueue({ after: before }, { tx })
      return before
    })
    expect(result).toBe(1)
    expect(await holder.exited).toEqual({ code: 0, signal: null })
    expect(db.transaction((tx) => tx.all('SELECT note FROM app_orders ORDER BY id'))).toEqual([{ note: 'holder' }, { note: 'honker transaction' }])
  })

  it('read-then-write in db.transaction under a concurrent writer process never fails', async () => {
    const { file, db } = appDatabase(5000)
    const q = db.queue('orders')
    // A writer process committing continuously while this process does read-then-write transactions.
    const writer = spawnFixture('reliability-mixer.mjs', { db: file, index: 1, durationMs: 3000, result: path.join(path.dirname(file), 'mixer.json') })
    let failures = 0
    let done = 0
    const until = Date.now() + 2500
    while (Date.now() < until) {
      try {
        db.transaction((tx) => {
          const n = tx.get<{ n: number }>('SELECT count(*) AS n FROM app_orders')!.n
          const spinUntil = performance.now() + 1 // hold the snapshot a moment, as an ORM round trip would
          while (performance.now() < spinUntil);
          tx.run('INSERT INTO app_orders (note) VALUES (?)', [`after ${n}`])
          q.enqueue({ n }, { tx })
        })
        done++
      } catch {
        failures++
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(await writer.exited).toEqual({ code: 0, signal: null })
    const mixer = JSON.parse(readFileSync(path.join(path.dirname(file), 'mixer.json'), 'utf8')) as { errors: Record<string, number> }
    expect(mixer.errors).toEqual({})
    expect(failures).toBe(0)
    expect(done).toBeGreaterThan(0)
    // The writer really wrote meanwhile (it would have broken a deferred read-then-write).
    expect(db.transaction((tx) => tx.get<{ n: number }>(`SELECT count(*) AS n FROM app_orders WHERE note LIKE 'from %'`)!.n)).toBeGreaterThan(0)
  })
})
