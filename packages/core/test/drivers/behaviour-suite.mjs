// The behaviour suite every driver runs, in its own runtime: Node 20 with better-sqlite3, Node 24
// with node:sqlite, Bun with bun:sqlite and Node 20 with libsql (run with --expose-gc: see the
// descriptor check) (test/drivers.test.ts spawns it once per driver). It
// is plain JavaScript over the built package so each runtime runs it as it is. Prints one JSON
// line per check ({ check, ok, error }) and a final { done, driver, sqlite }.
//
// Usage: <runtime> behaviour-suite.mjs <driver> <dir>
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { HonkerError, open, RetryLaterError } from '@honker/core'

const driver = process.argv[2]
const dir = mkdtempSync(path.join(process.argv[3] ?? tmpdir(), `honker-${driver.replace(':', '-')}-`))
let fileCount = 0
const say = (message) => process.stdout.write(JSON.stringify(message) + '\n')

/** A clock the checks move by hand: times are whole seconds, so real waits would take seconds. */
function manualClock(startS = 1_900_000_000) {
  let ms = startS * 1000
  return { now: () => ms, advance: (seconds) => (ms += seconds * 1000) }
}

function fresh(options = {}) {
  const file = path.join(dir, `check-${++fileCount}.db`)
  const db = open(file, { driver, ...options })
  return { db, file }
}

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`)
}

function codeOf(fn) {
  try {
    fn()
  } catch (error) {
    return HonkerError.isInstance(error) ? error.code : `uncoded: ${error?.message}`
  }
  return 'no error'
}

/** A handle the app would open itself, of the library under test. */
function rawHandle(file) {
  if (driver === 'bun:sqlite') {
    const { Database } = createRequire(import.meta.url)('bun:sqlite')
    return new Database(file)
  }
  if (driver === 'node:sqlite') {
    const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite')
    return new DatabaseSync(file)
  }
  if (driver === 'libsql') {
    const Database = createRequire(import.meta.url)('libsql')
    return new Database(file)
  }
  const Database = createRequire(import.meta.url)('better-sqlite3')
  return new Database(file)
}

function closeRawHandle(handle) {
  handle.close()
}

/** This process's open descriptors on `file` or its -wal/-shm (Linux). */
function openDescriptors(file) {
  const found = []
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      if (target === file || target === `${file}-wal` || target === `${file}-shm`) found.push(target)
    } catch {}
  }
  return found
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Full collections (libsql frees a statement's connection in its finalizer, a tick later). */
async function collectGarbage() {
  if (typeof globalThis.gc !== 'function') throw new Error('run this suite with node --expose-gc for libsql')
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await sleep(10)
  }
}

async function until(predicate, what, timeoutMs = 5000) {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out: ${what}`)
    await sleep(5)
  }
}

const checks = {
  'transactions: commit together, roll back together, nest as savepoints'() {
    const { db } = fresh()
    const q = db.queue('q')
    db.transaction((tx) => {
      tx.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)')
    })
    const id = db.transaction((tx) => {
      tx.run(`INSERT INTO orders (note) VALUES ('paid')`)
      return q.enqueue({ order: 1 }, { tx })
    })
    assert(typeof id === 'number', 'enqueue returns a number id')
    let caught = null
    try {
      db.transaction((tx) => {
        tx.run(`INSERT INTO orders (note) VALUES ('declined')`)
        q.enqueue({ order: 2 }, { tx })
        throw new Error('declined')
      })
    } catch (error) {
      caught = error
    }
    equal(caught?.message, 'declined', 'the error passes through')
    db.transaction((tx) => {
      tx.run(`INSERT INTO orders (note) VALUES ('outer')`)
      try {
        db.transaction((inner) => {
          inner.run(`INSERT INTO orders (note) VALUES ('inner')`)
          throw new Error('inner only')
        })
      } catch {}
    })
    equal(db.transaction((tx) => tx.all('SELECT note FROM orders ORDER BY id').map((row) => row.note)), ['paid', 'outer'], 'orders')
    equal(q.counts().pending, 1, 'pending jobs')
    equal(codeOf(() => db.transaction(async () => {})), 'async_transaction', 'an async callback')
    db.close()
  },

  'claim order: priority, then run_at, then id; batch claims'() {
    const clock = manualClock()
    const { db } = fresh({ clock })
    const q = db.queue('q')
    const low = q.enqueue('low')
    const high = q.enqueue('high', { priority: 10 })
    const later = q.enqueue('later', { delayS: 5 })
    const low2 = q.enqueue('low2')
    equal(q.claimBatch('w', 10).map((job) => job.id), [high, low, low2], 'due jobs in order')
    clock.advance(5)
    equal(q.claimOne('w')?.id, later, 'the delayed job once due')
    db.close()
  },

  'ack, retry with delay, fail to dead letters, cancel'() {
    const clock = manualClock()
    const { db } = fresh({ clock })
    const q = db.queue('q', { maxAttempts: 2 })
    const a = q.enqueue('a')
    const b = q.enqueue('b')
    const c = q.enqueue('c')
    const [jobA, jobB] = q.claimBatch('w', 2)
    assert(jobA.ack(), 'ack')
    assert(q.getJob(a) === null, 'an acked job is gone')
    assert(jobB.retry({ delayS: 30, error: 'later' }), 'retry')
    equal(q.getJob(b)?.state, 'pending', 'retried job state')
    equal(q.getJob(b)?.runAt, clock.now() / 1000 + 30, 'retried run_at')
    assert(q.cancel(c), 'cancel a pending job')
    equal(q.getJob(c), null, 'a cancelled job is gone')
    clock.advance(30)
    const again = q.claimOne('w')
    equal(again?.id, b, 'the retried job runs again')
    assert(again.fail('hopeless'), 'fail')
    equal(q.getJob(b)?.state, 'dead', 'failed job state')
    equal(q.getJob(b)?.lastError, 'hopeless', 'failed job error')
    db.close()
  },

  'visibility timeout: a lapsed claim is reclaimed, the old owner loses it; heartbeats keep it'() {
    const clock = manualClock()
    const { db } = fresh({ clock })
    const q = db.queue('q', { visibilityTimeoutS: 10, maxAttempts: 3 })
    q.enqueue('x')
    const first = q.claimOne('w1')
    clock.advance(5)
    assert(first.heartbeat(10), 'heartbeat while owned')
    clock.advance(9)
    equal(q.claimOne('w2'), null, 'not reclaimable while the heartbeat holds')
    clock.advance(2)
    const second = q.claimOne('w2')
    equal(second?.attempts, 2, 'reclaim counts an attempt')
    assert(!first.ack(), 'the first owner lost the claim')
    assert(second.ack(), 'the new owner acks')
    db.close()
  },

  'expiry: an expired job goes to the dead letters, not to a worker'() {
    const clock = manualClock()
    const { db } = fresh({ clock })
    const q = db.queue('q')
    const id = q.enqueue('x', { expiresS: 5 })
    clock.advance(6)
    equal(q.claimOne('w'), null, 'an expired job is not claimed')
    equal(q.sweepExpired(), 1, 'swept')
    equal(q.getJob(id)?.state, 'dead', 'expired job state')
    db.close()
  },

  async 'worker: woken by a commit on another connection, retries with backoff, dead-letters, stops gracefully'() {
    const { db, file } = fresh()
    const q = db.queue('q', { maxAttempts: 2 })
    const seen = []
    const worker = q.work(
      (job) => {
        seen.push(job.payload)
        if (job.payload === 'flaky' && job.attempts === 1) throw new RetryLaterError(0)
        if (job.payload === 'hopeless') throw new Error('no')
      },
      { fallbackPollMs: null, concurrency: 2, backoff: { baseS: 0, jitter: 0 } },
    )
    // Another connection (as another process would): only the commit watcher can wake the worker.
    const producer = open(file, { driver })
    await sleep(50)
    const remote = producer.queue('q', { maxAttempts: 2 })
    remote.enqueue('ok')
    remote.enqueue('flaky')
    remote.enqueue('hopeless')
    await until(() => worker.stats.completed === 2 && worker.stats.dead === 1, 'worker outcomes')
    await worker.stop()
    equal(worker.stats.retried, 2, `retries (flaky once, hopeless once) ${JSON.stringify(seen)} ${JSON.stringify(worker.stats)}`)
    equal([...seen].sort(), ['flaky', 'flaky', 'hopeless', 'hopeless', 'ok'], 'handled payloads')
    equal(q.counts(), { pending: 0, delayed: 0, processing: 0, dead: 1 }, 'counts after')
    producer.close()
    db.close()
  },

  async 'notify/listen across connections, in order, from the moment listen() returns'() {
    const { db, file } = fresh()
    const other = open(file, { driver })
    const listener = db.listen('orders', { fallbackPollMs: null })
    other.notify('orders', { n: 1 })
    other.transaction((tx) => other.notify('orders', { n: 2 }, { tx }))
    try {
      other.transaction((tx) => {
        other.notify('orders', { n: 'rolled back' }, { tx })
        throw new Error('no')
      })
    } catch {}
    other.notify('orders', { n: 3 })
    const got = []
    for await (const notification of listener) {
      got.push(notification.payload.n)
      if (got.length === 3) break
    }
    equal(got, [1, 2, 3], 'notifications')
    other.close()
    db.close()
  },

  async 'streams: publish, read since an offset, per-consumer offsets, subscribe follows commits'() {
    const { db, file } = fresh()
    const stream = db.stream('events')
    const first = stream.publish({ n: 1 })
    stream.publish({ n: 2 }, { key: 'k' })
    equal(stream.readSince(first, 100).map((event) => event.payload.n), [2], 'readSince')
    stream.saveOffset('c1', first)
    equal(stream.getOffset('c1'), first, 'saved offset')
    assert(!stream.saveOffset('c1', 0), 'offsets only move forward')
    const other = open(file, { driver })
    const seen = []
    const controller = new AbortController()
    const following = (async () => {
      for await (const event of stream.subscribe({ consumer: 'c1', signal: controller.signal })) {
        seen.push(event.payload.n)
        if (seen.length === 2) break
      }
    })()
    await sleep(50)
    other.stream('events').publish({ n: 3 })
    await following
    equal(seen, [2, 3], 'subscribe replays, then follows')
    equal(stream.getOffset('c1') >= first + 1, true, 'offset saved on exit')
    other.close()
    db.close()
  },

  'scheduler: each boundary fires once, however often it ticks'() {
    const clock = manualClock(1_900_000_000 - (1_900_000_000 % 60))
    const { db } = fresh({ clock })
    const scheduler = db.scheduler()
    scheduler.add({ name: 'every-minute', queue: 'reports', schedule: '* * * * *', payload: { report: true } })
    const now = clock.now() / 1000
    equal(scheduler.tick(now).length, 0, 'nothing before the first boundary')
    clock.advance(60)
    equal(scheduler.tick(now + 60).length, 1, 'the boundary fires')
    equal(scheduler.tick(now + 60).length, 0, 'and only once')
    equal(db.queue('reports').counts().pending, 1, 'one job enqueued')
    db.close()
  },

  'locks: one holder at a time, renew by the owner only, release'() {
    const clock = manualClock()
    const { db } = fresh({ clock })
    const a = db.lock('nightly', { ttlS: 10, owner: 'a' })
    const b = db.lock('nightly', { ttlS: 10, owner: 'b' })
    assert(a.acquire(), 'a acquires')
    assert(!b.acquire(), 'b cannot while a holds it')
    assert(!b.renew(), 'b cannot renew')
    assert(a.renew(), 'a renews')
    assert(a.release(), 'a releases')
    assert(b.acquire(), 'b acquires after the release')
    clock.advance(11)
    assert(a.acquire(), 'a takes the lapsed lease')
    db.close()
  },

  'rate limits: a fixed window'() {
    const clock = manualClock(1_900_000_000 - (1_900_000_000 % 60))
    const { db } = fresh({ clock })
    const limit = db.rateLimit('api', { limit: 2, perS: 60 })
    equal([limit.try(), limit.try(), limit.try()], [true, true, false], 'two per window')
    clock.advance(60)
    equal(limit.try(), true, 'the next window')
    db.close()
  },

  async 'results: saved, read, awaited across connections'() {
    const { db, file } = fresh()
    db.saveResult(1, { ok: true })
    equal(db.getResult(1), { found: true, value: { ok: true } }, 'getResult')
    equal(db.getResult(2), { found: false }, 'a missing result')
    const other = open(file, { driver })
    const waited = db.waitResult(3, { timeoutMs: 5000 })
    await sleep(30)
    other.saveResult(3, 'done')
    equal(await waited, 'done', 'waitResult')
    other.close()
    db.close()
  },

  async "an app's own handle: Honker shares it, leaves it open on close, and holds no descriptor once the app closes it"() {
    const { db: setup, file } = fresh()
    setup.close()
    const handle = rawHandle(file)
    const db = open({ database: handle })
    assert(db.executor.connection.handle === handle, 'Honker runs on the app handle')
    const q = db.queue('q')
    db.transaction((tx) => q.enqueue('x', { tx }))
    equal(q.claimOne('w')?.payload, 'x', 'claimed through the app handle')
    const listener = db.listen('c', { fallbackPollMs: null })
    db.notify('c', 1)
    equal((await listener.next()).value.payload, 1, 'a listener on the same handle')
    db.close()
    let count = handle.prepare('SELECT count(*) AS n FROM _honker_live')
    equal(count.get().n, 1, 'the app handle is still open')
    count.finalize?.() // the app's own statement: bun:sqlite closes lazily while one lives
    count = null
    closeRawHandle(handle)
    await sleep(20)
    if (driver === 'libsql') {
      // The gap: libsql has no finalize, and a statement keeps its connection (and the file) open
      // until the garbage collector frees it. Honker detached every statement it prepared, so a
      // collection (once the app has dropped its own statement too) lets the file go.
      await collectGarbage()
    }
    equal(openDescriptors(file), [], 'descriptors of the file left open')
  },

  'bad input: coded errors, nothing written'() {
    const { db, file } = fresh()
    const q = db.queue('q')
    equal(codeOf(() => q.enqueue('x', { runAt: Date.now() + 60_000 })), 'invalid_argument', 'runAt in milliseconds')
    equal(codeOf(() => q.enqueue(() => {})), 'invalid_payload', 'a function payload')
    equal(q.counts().pending, 0, 'nothing written')
    equal(codeOf(() => open(':memory:', { driver })), 'memory_database', ':memory:')
    equal(codeOf(() => open(file, { driver: 'sqlite3-wasm' })), 'invalid_argument', 'an unknown driver name')
    const foreign = driver === 'bun:sqlite' ? 'node:sqlite' : 'bun:sqlite'
    equal(codeOf(() => open(file, { driver: foreign })), 'driver_unavailable', `${foreign} here`)
    equal(codeOf(() => open({ database: { prepare() {}, close() {} } })), 'unsupported_driver', 'a handle of another library')
    db.close()
    equal(codeOf(() => q.enqueue('late')), 'closed', 'a closed database')
  },
}

async function main() {
  let sqlite = null
  for (const [check, run] of Object.entries(checks)) {
    try {
      await run()
      say({ check, ok: true })
    } catch (error) {
      say({ check, ok: false, error: error?.stack ?? String(error) })
    }
  }
  const { db } = fresh()
  sqlite = db.executor.connection.prepare('SELECT sqlite_version()').value()
  say({ done: true, driver: db.executor.connection.driver.name, sqlite })
  db.close()
  rmSync(dir, { recursive: true, force: true })
}

await main()
