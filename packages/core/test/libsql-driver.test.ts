import { readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { HonkerError, open } from '@honker/core'
import { classifySqliteError, driverOfLibsqlClient, openBesideLibsqlClient, resolveDriver, toHonkerError, wrapHandle, type LibsqlClient } from '@honker/core/adapter'
import { collectClosedConnections, onCleanup, spawnFixture, tempDbPath } from './helpers.ts'

/**
 * The libsql driver against the real library (`libsql`, the native module under @libsql/client's
 * file: URLs): every method of the port, what libsql does differently from better-sqlite3, and
 * each gap, asserted. Runs only on the libsql run (HONKER_DRIVER=libsql, vitest.config.ts), so this
 * process holds libsql's SQLite and no other.
 */

interface LibsqlStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  raw(toggle?: boolean): LibsqlStatement
}
interface LibsqlDatabase {
  readonly open: boolean
  readonly inTransaction: boolean
  prepare(sql: string): LibsqlStatement
  exec(sql: string): void
  close(): void
}
type LibsqlClass = new (path: string, options?: { timeout?: number }) => LibsqlDatabase

const Database = createRequire(import.meta.url)('libsql') as LibsqlClass
const driver = resolveDriver('libsql')

function connection(file: string, busyTimeoutMs = 5000) {
  const c = driver.open(file, { busyTimeoutMs })
  onCleanup(() => {
    if (c.isOpen) c.close()
  })
  return c
}

function sharedFile(): string {
  const file = tempDbPath()
  const c = connection(file)
  c.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, x, s TEXT)')
  c.close()
  return file
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'no error'
  } catch (error) {
    if (HonkerError.isInstance(error)) return error.code
    return classifySqliteError(error)?.code ?? `${(error as Error).name}: ${(error as Error).message}`
  }
}

/** This process's open descriptors on `file`, its -wal or its -shm. */
function descriptors(file: string): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      if (target === file || target === `${file}-wal` || target === `${file}-shm`) n++
    } catch {}
  }
  return n
}

describe('the libsql driver: the port on the real library', () => {
  it('is the libsql this process loaded, by name, by class and by handle', () => {
    expect(driver.name).toBe('libsql')
    expect(resolveDriver(Database as never)).toBe(driver)
    const file = sharedFile()
    const handle = new Database(file)
    onCleanup(() => handle.close())
    // A libsql Database has better-sqlite3's shape too: it must not be taken for one.
    expect(wrapHandle(handle).driver).toBe(driver)
    expect(wrapHandle(handle).file).toBe(file)
  })

  it('statement modes: plain rows (no _metadata), arrays, one value; no row is undefined', () => {
    const c = connection(sharedFile())
    c.prepare('INSERT INTO t (x, s) VALUES (?, ?)').run([1, 'one'])
    c.prepare('INSERT INTO t (x, s) VALUES (?, ?)').run([2, 'two'])
    const select = c.prepare('SELECT id, x, s FROM t ORDER BY id')
    expect(select.get()).toEqual({ id: 1, x: 1, s: 'one' })
    expect(Object.keys(select.get()!)).toEqual(['id', 'x', 's'])
    expect(select.all()).toEqual([{ id: 1, x: 1, s: 'one' }, { id: 2, x: 2, s: 'two' }])
    expect(select.values()).toEqual([[1, 1, 'one'], [2, 2, 'two']])
    expect(select.value()).toBe(1)
    const none = c.prepare('SELECT id FROM t WHERE id = ?')
    expect(none.get([99])).toBeUndefined()
    expect(none.value([99])).toBeUndefined()
    expect(none.all([99])).toEqual([])
    // A statement used in every mode keeps giving the right answer (libsql's get() does not reset first).
    expect(none.value([2])).toBe(2)
    expect(none.all([1])).toEqual([{ id: 1 }])
    expect(none.get([2])).toEqual({ id: 2 })
    // ... and after a failure (libsql would run it again with the failed call's parameters).
    const insert = c.prepare('INSERT INTO t (id, x) VALUES (?, ?) RETURNING id, x')
    expect(codeOf(() => insert.get([1, 9]))).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    expect(insert.get([3, 9])).toEqual({ id: 3, x: 9 })
    expect(insert.all([4, 8])).toEqual([{ id: 4, x: 8 }])
    expect(insert.get([5, 7])).toEqual({ id: 5, x: 7 })
  })

  it('run(): changes and rowid like better-sqlite3; INSERT ... RETURNING through run() commits and lets go of the lock', () => {
    const file = sharedFile()
    const c = connection(file)
    const other = connection(file, 0)
    expect(c.prepare('INSERT INTO t (x) VALUES (?)').run([5])).toEqual({ changes: 1, lastInsertRowid: 1 })
    expect(c.prepare('UPDATE t SET x = x WHERE id = ?').run([99])).toEqual({ changes: 0, lastInsertRowid: 1 })
    // libsql's own run() would step this once and keep it active, holding the write lock.
    expect(c.prepare('INSERT INTO t (x) VALUES (?) RETURNING id').run([6])).toEqual({ changes: 1, lastInsertRowid: 2 })
    expect(codeOf(() => other.exec('BEGIN IMMEDIATE'))).toBe('no error')
    other.exec('ROLLBACK')
    // A pragma through run() (it returns a row): no changes counted from the statement before.
    expect(c.prepare('PRAGMA cache_size = -1000').run()).toEqual({ changes: 0, lastInsertRowid: 2 })
    // UPDATE ... RETURNING through all(): every row, and the write is committed.
    expect(c.prepare('UPDATE t SET x = x + 1 RETURNING id').all().map((row) => row.id)).toEqual([1, 2])
    expect(other.prepare('SELECT sum(x) FROM t').value()).toBe(13)
  })

  it('integers: numbers bind as REAL (as in better-sqlite3), bigints exactly; reads are numbers', () => {
    const c = connection(sharedFile())
    expect(c.prepare('SELECT typeof(?)').value([1])).toBe('real')
    c.prepare('INSERT INTO t (id, x) VALUES (?, ?)').run([1, 2 ** 40])
    expect(c.prepare('SELECT typeof(id), typeof(x), x FROM t').values()).toEqual([['integer', 'real', 2 ** 40]])
    c.prepare('INSERT INTO t (id) VALUES (?)').run([9007199254740993n])
    expect(c.prepare('SELECT CAST(id AS TEXT) FROM t WHERE id > ?').value([2 ** 53])).toBe('9007199254740993')
    // No safe-integer mode through the port: beyond 2^53 a read loses precision, as better-sqlite3's default does.
    expect(c.prepare('SELECT id FROM t WHERE id > ?').value([2 ** 53])).toBe(9007199254740992)
  })

  it('values libsql cannot bind: a boolean is a TypeError (libsql would abort the process), text with NUL is driver_limitation', () => {
    const c = connection(sharedFile())
    expect(codeOf(() => c.prepare('SELECT ?').value([true]))).toBe('TypeError: SQLite3 can only bind numbers, strings, bigints, buffers, and null')
    expect(codeOf(() => c.prepare('INSERT INTO t (s) VALUES (?)').run(['a\u0000b']))).toBe('driver_limitation')
    expect(c.prepare('SELECT count(*) FROM t').value()).toBe(0)
    // Why: libsql stores all of it but reads text back only up to the NUL.
    const raw = new Database(tempDbPath())
    onCleanup(() => raw.close())
    expect(raw.prepare('SELECT ?, hex(?)').raw(true).get(['a\u0000b', 'a\u0000b'])).toEqual(['a', '610062'])
    // Blobs and null bind; a blob reads back as a Buffer in every mode.
    expect(c.prepare('SELECT ?, ?').values([Buffer.from('ab'), null])).toEqual([[Buffer.from('ab'), null]])
    expect(c.prepare('SELECT ? AS b').get([Buffer.from('ab')])).toEqual({ b: Buffer.from('ab') })
  })

  it('PRAGMA data_version moves on a commit from another process, not on its own', async () => {
    const file = tempDbPath()
    open(file).close()
    const watcher = connection(file, 0)
    const version = watcher.prepare('PRAGMA data_version')
    const before = version.value()
    watcher.exec('CREATE TABLE own (x)')
    expect(version.value()).toBe(before)
    const child = spawnFixture('open-and-enqueue.mjs', { db: file, count: 1 })
    expect(await child.exited).toEqual({ code: 0, signal: null })
    expect(version.value()).not.toBe(before)
  })

  it('busy: waits out the busy timeout, then SQLITE_BUSY (extended codes kept), classified busy', () => {
    const file = sharedFile()
    const holder = connection(file)
    const c = connection(file, 100)
    holder.exec('BEGIN IMMEDIATE')
    const started = performance.now()
    let error: unknown
    try {
      c.prepare('INSERT INTO t (x) VALUES (1)').run()
    } catch (caught) {
      error = caught
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(90)
    expect(classifySqliteError(error)).toEqual({ kind: 'busy', code: 'SQLITE_BUSY' })
    expect((toHonkerError(error) as HonkerError).code).toBe('busy')
    holder.exec('ROLLBACK')
    // A deferred transaction whose snapshot went stale: SQLITE_BUSY_SNAPSHOT, by its extended code.
    c.exec('BEGIN')
    c.prepare('SELECT count(*) FROM t').value()
    holder.exec('INSERT INTO t (x) VALUES (2)')
    expect(codeOf(() => c.prepare('INSERT INTO t (x) VALUES (3)').run())).toBe('SQLITE_BUSY_SNAPSHOT')
    c.exec('ROLLBACK')
    expect(codeOf(() => c.prepare('INSERT INTO t (id) VALUES (100)').run())).toBe('no error')
    expect(classifySqliteError(captured(() => c.prepare('INSERT INTO t (id) VALUES (100)').run()))).toEqual({ kind: 'other', code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })
    c.exec('CREATE TABLE nn (x NOT NULL)')
    expect(codeOf(() => c.prepare('INSERT INTO nn (x) VALUES (?)').run([null]))).toBe('SQLITE_CONSTRAINT_NOTNULL')
  })

  it('a statement that failed busy is finished at once: no stale snapshot, no write lock kept, no BUSY_SNAPSHOT after', () => {
    const file = sharedFile()
    const holder = connection(file)
    const c = connection(file, 20)
    const begin = c.prepare('BEGIN IMMEDIATE')
    const insert = c.prepare('INSERT INTO t (x) VALUES (?)')
    const count = c.prepare('SELECT count(*) FROM t')
    holder.exec('BEGIN IMMEDIATE')
    expect(codeOf(() => begin.run())).toBe('SQLITE_BUSY')
    expect(codeOf(() => insert.run([1]))).toBe('SQLITE_BUSY')
    holder.exec('INSERT INTO t (x) VALUES (0); COMMIT')
    // Left active (libsql resets only before the next run), either statement kept this connection's
    // read transaction open past the select, and the insert after it failed with BUSY_SNAPSHOT; the
    // insert left the write lock held with nothing to commit it.
    expect(count.value()).toBe(1)
    expect(codeOf(() => insert.run([2]))).toBe('no error')
    expect(codeOf(() => holder.exec('INSERT INTO t (x) VALUES (3)'))).toBe('no error')
    expect(codeOf(() => begin.run())).toBe('no error')
    c.exec('COMMIT')
    expect(c.prepare('PRAGMA query_only').value()).toBe(0)
    expect(count.value()).toBe(3)
  })

  it('read-only and must-exist opens; a closed connection is closed (and never aborts the process)', () => {
    const file = sharedFile()
    const missing = `${file}.missing`
    expect(codeOf(() => driver.open(missing, { readonly: true, busyTimeoutMs: 0 }))).toBe('SQLITE_CANTOPEN')
    expect(codeOf(() => driver.open(missing, { mustExist: true, busyTimeoutMs: 0 }))).toBe('SQLITE_CANTOPEN')
    expect(codeOf(() => driver.open('/nonexistent-dir/x.db', { busyTimeoutMs: 0 }))).toBe('SQLITE_CANTOPEN')
    const reader = driver.open(file, { readonly: true, busyTimeoutMs: 0 })
    expect(reader.isReadonly).toBe(true)
    expect(reader.file).toBe(file)
    expect(reader.prepare('SELECT count(*) FROM t').value()).toBe(0)
    expect(classifySqliteError(captured(() => reader.exec('INSERT INTO t (x) VALUES (1)')))?.kind).toBe('readonly')
    const statement = reader.prepare('SELECT 1')
    reader.close()
    expect(reader.isOpen).toBe(false)
    // libsql's own inTransaction getter aborts the process on a closed handle.
    expect(reader.inTransaction).toBe(false)
    // libsql would still run a statement of a closed connection (it keeps the connection alive).
    expect(classifySqliteError(captured(() => statement.value()))).toEqual({ kind: 'closed', code: null })
    expect(classifySqliteError(captured(() => reader.prepare('SELECT 1')))).toEqual({ kind: 'closed', code: null })
    expect(classifySqliteError(captured(() => reader.exec('SELECT 1')))).toEqual({ kind: 'closed', code: null })
  })

  it('gap: close() lets go of the file only when the statements on it are collected; Honker detaches its own', async () => {
    const file = sharedFile()
    await collectClosedConnections()
    // The library: a statement keeps its closed connection's file open.
    const handle = new Database(file)
    let statement: LibsqlStatement | null = handle.prepare('SELECT count(*) FROM t')
    expect(statement.raw(true).get()).toEqual([0])
    handle.close()
    await collectClosedConnections()
    expect(descriptors(file)).toBeGreaterThan(0)
    statement = null
    await collectClosedConnections()
    expect(descriptors(file)).toBe(0)
    // Honker: nothing it prepared keeps the file once it is closed, though its objects live on.
    const db = open(file, { driver: 'libsql' })
    db.queue('q').enqueue(1)
    const listener = db.listen('c', { fallbackPollMs: null })
    db.notify('c', 1)
    expect(((await listener.next()).value as { payload: unknown }).payload).toBe(1)
    expect(descriptors(file)).toBeGreaterThan(0)
    db.close()
    await collectClosedConnections()
    expect(descriptors(file)).toBe(0)
    expect(db.closed).toBe(true)
  })
})

describe('an @libsql/client Client (typed structurally; the adapters test the real client)', () => {
  const client = (protocol: string, rows: unknown[] = []): LibsqlClient =>
    ({ protocol, closed: false, execute: async () => ({ rows }), batch: async () => [] }) as LibsqlClient

  it('a file: client is the libsql this process loaded; a remote one is refused with remote_database', () => {
    expect(driverOfLibsqlClient(client('file'))).toBe(driver)
    for (const protocol of ['http', 'ws']) {
      expect(codeOf(() => driverOfLibsqlClient(client(protocol)))).toBe('remote_database')
    }
    expect(captured(() => driverOfLibsqlClient(client('http')))).toMatchObject({
      message: expect.stringMatching(/poll-based wake and a network round trip per claim/),
    })
  })

  it('opens Honker beside the client\'s file; refuses :memory:, a closed client and an embedded replica', async () => {
    const file = tempDbPath()
    const db = await openBesideLibsqlClient(client('file', [{ seq: 0, name: 'main', file }]), 'db')
    onCleanup(() => db.close())
    expect(db.path).toBe(file)
    expect(db.executor.connection.driver).toBe(driver)
    await expect(openBesideLibsqlClient(client('file', [{ seq: 0, name: 'main', file: '' }]), 'db')).rejects.toMatchObject({ code: 'memory_database' })
    await expect(openBesideLibsqlClient({ ...client('file'), closed: true } as LibsqlClient, 'db')).rejects.toMatchObject({ code: 'closed' })
    await expect(openBesideLibsqlClient(client('http'), 'db')).rejects.toMatchObject({ code: 'remote_database' })
    writeFileSync(`${file}-info`, '{}') // libSQL's replication bookkeeping beside an embedded replica
    await expect(openBesideLibsqlClient(client('file', [{ seq: 0, name: 'main', file }]), 'db')).rejects.toMatchObject({ code: 'remote_database' })
  })
})

function captured(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}
