import { execFileSync } from 'node:child_process'
import { mkdtempSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Sqlite from '../sqlite.ts'
import { describe, expect, it } from 'vitest'
import { HonkerError, open, type Database, type SqliteConnection } from '@honker/core'
import type { Driver, DriverStatement } from '@honker/core/adapter'
import { defaultDriver } from '../../src/driver/resolve.ts'
import { libraryHandle, sqliteCodeOf, TEST_DRIVER } from '../sqlite.ts'
import { collectClosedConnections, onCleanup, sleep, spawnFixture, tempDbPath } from '../helpers.ts'

/**
 * Faults under a running process: the file replaced, the commit watcher dying, a full disk, a
 * read-only file, SIGTERM mid-work. In each case every consumer gets a coded HonkerError (none
 * hangs), and what was committed stays intact.
 */

/** What a promise did within `ms`: resolved, rejected with a code, or 'hung'. */
async function outcome(promise: Promise<unknown>, ms = 10_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms)
  })
  const settled = promise.then(
    () => 'resolved',
    (error: unknown) => (HonkerError.isInstance(error) ? error.code : `uncoded: ${String(error)}`),
  )
  try {
    return await Promise.race([settled, hung])
  } finally {
    clearTimeout(timer)
  }
}

function openDb(file: string, options: Parameters<typeof open>[1] = {}): Database {
  const db = open(file, options)
  onCleanup(() => db.close())
  return db
}

/** One of each kind of waiting consumer, all parked on the commit watcher (no fallback polls). */
function startConsumers(db: Database): Record<string, Promise<unknown>> {
  const worker = db.queue('jobs').work(async () => {}, { fallbackPollMs: null, sweepIntervalMs: null })
  const claims = db.queue('claims').claim('iterator', { fallbackPollMs: null })
  const listener = db.listen('channel', { fallbackPollMs: null })
  const subscription = db.stream('topic').subscribe({ consumer: 'follower', fallbackPollMs: null })
  const runner = db.scheduler().run({ owner: 'this-process' })
  return {
    worker: worker.done,
    claimIterator: claims.next(),
    listener: listener.next(),
    streamSubscriber: subscription.next(),
    waitResult: db.waitResult(424242),
    schedulerRun: runner.done,
  }
}

async function outcomes(consumers: Record<string, Promise<unknown>>): Promise<Record<string, string>> {
  const entries = await Promise.all(Object.entries(consumers).map(async ([name, p]) => [name, await outcome(p)] as const))
  return Object.fromEntries(entries)
}

const everyConsumer = (code: string) => ({
  worker: code,
  claimIterator: code,
  listener: code,
  streamSubscriber: code,
  waitResult: code,
  schedulerRun: code,
})

describe('the database file replaced under a running process', () => {
  it('every consumer (worker, claim iterator, listener, stream subscriber, waitResult, scheduler run) gets database_replaced; none hangs', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const consumers = startConsumers(db)
    await sleep(300) // all parked on their subscriptions
    // A restore done the wrong way: a fresh database renamed over the open one. (rename opens no
    // descriptor on the file, so this process's SQLite locks are untouched.)
    const replacement = path.join(path.dirname(file), 'restored.db')
    open(replacement).close()
    renameSync(replacement, file)
    expect(await outcomes(consumers)).toEqual(everyConsumer('database_replaced'))
    // A consumer started afterwards on the same handle fails at once instead of waiting forever
    // (the call itself throws, so run it inside the promise).
    expect(await outcome(Promise.resolve().then(() => db.listen('late', { fallbackPollMs: null }).next()))).toBe('database_replaced')
  })

  // Writes after a replacement would land in the orphaned inode and its -wal, which a fresh
  // connection then checkpoints over the restored file: they must fail instead.
  it('after the replacement is detected, a write through the old handle fails with database_replaced', async () => {
    const file = tempDbPath()
    const db = openDb(file)
    const listener = db.listen('channel', { fallbackPollMs: null })
    const next = listener.next()
    const replacement = path.join(path.dirname(file), 'restored.db')
    open(replacement).close()
    renameSync(replacement, file)
    expect(await outcome(next)).toBe('database_replaced')
    let code = 'no error'
    try {
      db.queue('jobs').enqueue({ lost: true })
    } catch (error) {
      code = HonkerError.isInstance(error) ? error.code : 'uncoded'
    }
    expect(code).toBe('database_replaced')
  })
})

/**
 * A driver whose watcher connections can be broken on demand: once `broken`, `PRAGMA data_version`
 * fails with an I/O error and reopening (the watcher opens with fileMustExist) fails too, the way a
 * dying disk or a vanished mount behaves. Honker's own connection is untouched.
 */
function faultyDriver(): { driver: Driver; faults: { broken: boolean } } {
  const faults = { broken: false }
  const ioError = (message: string): Error => Object.assign(new Error(message), { code: 'SQLITE_IOERR' })
  const base = defaultDriver()
  const failing = (statement: DriverStatement): DriverStatement => {
    const guard = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): R => {
      if (faults.broken) throw ioError('disk I/O error (injected)')
      return fn(...args)
    }
    return {
      run: guard((params) => statement.run(params)),
      get: guard((params) => statement.get(params)),
      all: guard((params) => statement.all(params)),
      values: guard((params) => statement.values(params)),
      value: guard((params) => statement.value(params)),
    }
  }
  const driver: Driver = {
    name: base.name,
    classify: (error) => base.classify(error),
    wrap: (handle) => base.wrap(handle),
    open(file, options) {
      if (faults.broken && options.mustExist === true) throw ioError('disk I/O error (injected on reopen)')
      const connection = base.open(file, options)
      return new Proxy(connection, {
        get(target, property) {
          if (property === 'driver') return driver
          if (property === 'prepare') {
            return (source: string) => (source === 'PRAGMA data_version' ? failing(target.prepare(source)) : target.prepare(source))
          }
          // The target as `this`: its getters and methods read private fields, which a proxy lacks.
          const value = Reflect.get(target, property, target) as unknown
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
        },
      })
    },
  }
  return { driver, faults }
}

describe('the commit watcher dies', () => {
  it('every consumer gets watcher_died instead of hanging, and reopening recovers', async () => {
    const file = tempDbPath()
    const { driver, faults } = faultyDriver()
    const watcher = { mode: 'poll', pollIntervalMs: 5 } as const
    const db = open(file, { driver, watcher })
    const consumers = startConsumers(db)
    await sleep(300)
    faults.broken = true
    expect(await outcomes(consumers)).toEqual(everyConsumer('watcher_died'))
    expect(await outcome(db.listen('late', { fallbackPollMs: null }).next())).toBe('watcher_died')
    // Honker's own connection still works: committed work is safe and more can be written.
    const id = db.queue('jobs').enqueue({ after: 'watcher death' })
    expect(db.queue('jobs').getJob(id)).toMatchObject({ state: 'pending' })
    db.close()

    // The disk is back: a new handle gets a new watcher and consumers work again.
    faults.broken = false
    const again = openDb(file, { driver, watcher })
    const listener = again.listen('channel', { fallbackPollMs: null })
    const next = listener.next()
    const writer = openDb(file)
    writer.notify('channel', { back: true })
    expect(await outcome(next)).toBe('resolved')
  })
})

/** Mount a tmpfs (root only); returns its directory, or the reason it cannot. */
function mountTmpfs(size: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-mnt-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    rmdirSync(dir)
    throw error
  }
  onCleanup(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
    rmdirSync(dir)
  })
  return dir
}

function mountProbe(): string | null {
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()}): cannot mount a tmpfs`
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-mnt-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' })
    execFileSync('umount', [dir], { stdio: 'pipe' })
    return null
  } catch (error) {
    return `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`
  } finally {
    rmdirSync(dir)
  }
}

const cannotMount = mountProbe()
if (cannotMount !== null) console.log(`[faults] skipping the disk-full and read-only-mount tests: ${cannotMount}`)

/** chattr +i needs root and a file system with inode flags (ext4 here; not tmpfs or overlayfs). */
function chattrProbe(): string | null {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'honker-chattr-')), 'probe')
  writeFileSync(file, '')
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' })
    execFileSync('chattr', ['-i', file], { stdio: 'pipe' })
    return null
  } catch (error) {
    return `chattr +i failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`
  } finally {
    rmSync(path.dirname(file), { recursive: true, force: true })
  }
}

const cannotChattr = chattrProbe()
if (cannotChattr !== null) console.log(`[faults] skipping the immutable-file test: ${cannotChattr}`)

describe('a full disk', () => {
  it.skipIf(cannotMount !== null)('a write on a full disk is a coded error; integrity_check is ok, committed jobs are intact, and writes resume once space is freed', () => {
    const dir = mountTmpfs('2m')
    const filler = path.join(dir, 'filler.bin')
    writeFileSync(filler, Buffer.alloc(512 * 1024))
    const file = path.join(dir, 'app.db')
    const db = openDb(file)
    const q = db.queue('big')
    const committed: number[] = []
    let failure: unknown = null
    for (let i = 0; i < 10_000 && failure === null; i++) {
      try {
        committed.push(q.enqueue({ i, pad: 'x'.repeat(8000) }))
      } catch (error) {
        failure = error
      }
    }
    expect(committed.length).toBeGreaterThan(10)
    expect(HonkerError.isInstance(failure, 'sqlite_error')).toBe(true)
    expect(sqliteCodeOf((failure as HonkerError).cause)).toBe('SQLITE_FULL')
    expect(db.executor.connection.inTransaction).toBe(false) // rolled back, the connection usable
    // Claims need to write too: the same coded error, not a crash or a hang.
    let claimCode = 'no error'
    try {
      q.claimOne('worker')
    } catch (error) {
      claimCode = HonkerError.isInstance(error) ? `${error.code}/${sqliteCodeOf(error.cause)}` : 'uncoded'
    }
    expect(claimCode).toBe('sqlite_error/SQLITE_FULL')

    const check = new Sqlite(file, { readonly: true })
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(check.prepare(`SELECT id FROM _honker_live WHERE queue = 'big' ORDER BY id`).pluck().all()).toEqual(committed)
    check.close()

    unlinkSync(filler) // space is back
    const more = q.enqueue({ i: 'after', pad: '' })
    const jobs = q.claimBatch('worker', 100_000)
    expect(jobs.map((job) => job.id)).toEqual([...committed, more])
    expect(jobs.slice(0, committed.length).map((job) => (job.payload as { i: number }).i)).toEqual(committed.map((_, i) => i))
    expect(q.ackBatch(jobs, 'worker')).toBe(committed.length + 1)
    db.close()
    const after = new Sqlite(file, { readonly: true })
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok')
    after.close()
  })
})

describe('a read-only database', () => {
  async function honkerFile(file: string, journal: 'wal' | 'delete'): Promise<void> {
    const db = open(file)
    db.queue('q').enqueue({ kept: true })
    db.close()
    // Gap on libsql: the closed connection holds the file until its statements are collected, and
    // while it does another connection cannot switch the journal mode ('database is locked').
    await collectClosedConnections()
    if (journal === 'delete') {
      const raw = new Sqlite(file)
      raw.pragma('journal_mode = DELETE')
      raw.close()
      await collectClosedConnections() // and a read-only remount would find the file still open
    }
  }

  function openCode(file: string): string {
    try {
      open(file).close()
      return 'opened'
    } catch (error) {
      return HonkerError.isInstance(error) ? `${error.code}: ${error.message}` : `uncoded: ${String(error)}`
    }
  }

  it.skipIf(cannotMount !== null)('on a read-only mount: open fails with readonly_database and says why (WAL file, rollback-journal file, new file)', async () => {
    const dir = mountTmpfs('4m')
    await honkerFile(path.join(dir, 'wal.db'), 'wal')
    await honkerFile(path.join(dir, 'delete.db'), 'delete')
    execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' })
    for (const name of ['wal.db', 'delete.db', 'new.db']) {
      const result = openCode(path.join(dir, name))
      expect(result, name).toMatch(/^readonly_database: .*read-only file system/)
    }
  })

  it.skipIf(cannotChattr !== null)('an immutable file (chattr +i): open fails with readonly_database instead of failing at the first write', async () => {
    const file = tempDbPath()
    await honkerFile(file, 'wal')
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' })
    onCleanup(() => execFileSync('chattr', ['-i', file], { stdio: 'pipe' }))
    expect(openCode(file)).toMatch(/^readonly_database: .*not writable/)
    // Reading it is still possible with a plain read-only handle: nothing was damaged.
    const raw = new Sqlite(file, { readonly: true })
    expect(raw.prepare('SELECT count(*) FROM _honker_live').pluck().get()).toBe(1)
    raw.close()
  })

  it('a handle the app opened read-only is refused at open', async () => {
    const file = tempDbPath()
    await honkerFile(file, 'wal')
    const raw = new Sqlite(file, { readonly: true })
    onCleanup(() => raw.close())
    let code = 'opened'
    try {
      const db = open({ database: libraryHandle(raw) as unknown as SqliteConnection })
      // Gap: node:sqlite, bun:sqlite and libsql handles do not say they were opened read-only, so
      // they are refused at their first write instead, with the same code and nothing written.
      if (TEST_DRIVER !== 'better-sqlite3') db.queue('q').enqueue('refused')
    } catch (error) {
      code = HonkerError.isInstance(error) ? error.code : 'uncoded'
    }
    expect(code).toBe('readonly_database')
  })
})

describe('SIGTERM during work', () => {
  // `done` is what the docs tell a SIGTERM handler to await before db.close(); `stop()` drains too.
  for (const waitWith of ['done', 'stop'] as const) {
    it(`in-flight jobs finish or are released before worker.${waitWith} settles; none is left claimed until its visibility timeout`, async () => {
      const file = tempDbPath()
      const db = openDb(file)
      const q = db.queue('work', { visibilityTimeoutS: 300 })
      const slow = [q.enqueue({ kind: 'slow', ms: 400 }), q.enqueue({ kind: 'slow', ms: 400 })]
      const hang = [q.enqueue({ kind: 'hang' }), q.enqueue({ kind: 'hang' })]
      const worker = spawnFixture('reliability-sigterm-worker.mjs', {
        db: file, queue: 'work', concurrency: 4, shutdownTimeoutMs: 1000, visibilityTimeoutS: 300, waitWith,
      })
      for (const id of [...slow, ...hang]) await worker.waitFor((m) => m.event === 'started' && m.id === id)
      worker.process.kill('SIGTERM')
      expect(await worker.exited).toEqual({ code: 0, signal: null })
      const ids = (event: string) => worker.messages.filter((m) => m.event === event).map((m) => m.id as number).sort((a, b) => a - b)
      expect(ids('completed')).toEqual(slow)
      expect(ids('released')).toEqual(hang)
      // 'worker:stopped' comes after every outcome, with nothing running.
      const events = worker.messages.map((m) => m.event)
      expect(events.indexOf('worker:stopped')).toBeGreaterThan(Math.max(events.lastIndexOf('completed'), events.lastIndexOf('released')))
      expect(worker.messages.find((m) => m.event === 'worker:stopped')).toMatchObject({ running: 0 })
      // Finished jobs are gone; released ones are pending again with the interrupted attempt given back.
      for (const id of slow) expect(q.getJob(id)).toBeNull()
      for (const id of hang) expect(q.getJob(id)).toMatchObject({ state: 'pending', attempts: 0, workerId: null })
      expect(q.counts()).toMatchObject({ processing: 0 })
      // Claimable now, not in 300 s.
      expect(q.claimBatch('next-worker', 10).map((job) => job.id)).toEqual(hang)
    })
  }
})
