import { renameSync, copyFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import Sqlite from './sqlite.ts'
import { open, type WatcherOptions } from '@honker/core'
import { activeWatcherCount } from '@honker/core/adapter'
import { acquireWatcher } from '../src/watcher/watcher-registry.ts'
import { defaultDriver } from '../src/driver/resolve.ts'
import { onCleanup, sleep, tempDbPath } from './helpers.ts'

const MODES: [string, WatcherOptions][] = [
  // A fallback of an hour: every wake in these tests must come from file events.
  ['events', { mode: 'events', fallbackIntervalMs: 3_600_000 }],
  ['poll', { mode: 'poll', pollIntervalMs: 1 }],
]

function openDb(watcher: WatcherOptions) {
  const file = tempDbPath()
  const db = open(file, { watcher })
  onCleanup(() => db.close())
  const other = new Sqlite(file)
  other.pragma('journal_mode = WAL')
  onCleanup(() => other.close())
  return { db, file, other }
}

describe.each(MODES)('commit watcher (%s)', (_mode, watcher) => {
  it('wakes a subscriber on a commit by another connection, and not on a rollback', async () => {
    const { db, other } = openDb(watcher)
    other.exec('CREATE TABLE t (x)')
    const subscription = db.subscribe()
    onCleanup(() => subscription.close())
    expect(await subscription.wait({ timeoutMs: 50 })).toBe('timeout')
    other.prepare('INSERT INTO t VALUES (1)').run()
    expect(await subscription.wait({ timeoutMs: 5_000 })).toBe('wake')
    try {
      other.transaction(() => {
        other.prepare('INSERT INTO t VALUES (2)').run()
        throw new Error('rollback')
      })()
    } catch {}
    expect(await subscription.wait({ timeoutMs: 200 })).toBe('timeout')
  })

  it('coalesces a burst of commits into one pending wake', async () => {
    const { db, other } = openDb(watcher)
    other.exec('CREATE TABLE t (x)')
    const subscription = db.subscribe()
    onCleanup(() => subscription.close())
    for (let i = 0; i < 20; i++) other.prepare('INSERT INTO t VALUES (?)').run(i)
    await sleep(100)
    expect(await subscription.wait({ timeoutMs: 0 })).toBe('wake')
    expect(await subscription.wait({ timeoutMs: 100 })).toBe('timeout')
  })

  it('delivers a commit that lands between subscribing and waiting (subscribe before read)', async () => {
    const { db } = openDb(watcher)
    const q = db.queue('q')
    const subscription = db.subscribe()
    onCleanup(() => subscription.close())
    expect(q.claimOne('w')).toBeNull() // the "read"
    q.enqueue('raced in') // commits before the consumer waits
    expect(await subscription.wait({ timeoutMs: 5_000 })).toBe('wake')
    expect(q.claimOne('w')?.payload).toBe('raced in')
  })

  it('fans one watcher out to many subscribers and databases in the process', async () => {
    const { db, file, other } = openDb(watcher)
    other.exec('CREATE TABLE t (x)')
    const second = open(file, { watcher })
    onCleanup(() => second.close())
    const first = db.subscribe()
    const before = activeWatcherCount()
    const subscriptions = [first, ...Array.from({ length: 99 }, (_, i) => (i % 2 === 0 ? second : db).subscribe())]
    expect(activeWatcherCount()).toBe(before)
    other.prepare('INSERT INTO t VALUES (1)').run()
    const results = await Promise.all(subscriptions.map((s) => s.wait({ timeoutMs: 5_000 })))
    expect(results.every((r) => r === 'wake')).toBe(true)
    for (const s of subscriptions) s.close()
  })

  it('fails waiting consumers with database_replaced when the file is renamed over', async () => {
    const { db, file } = openDb(watcher)
    const subscription = db.subscribe()
    const waiting = subscription.wait()
    const copy = `${file}.copy`
    copyFileSync(file, copy)
    renameSync(copy, file)
    await expect(waiting).rejects.toMatchObject({ code: 'database_replaced' })
    // New subscribers (and every other call on this handle) learn it at once instead of hanging.
    expect(() => db.subscribe()).toThrow(expect.objectContaining({ code: 'database_replaced' }))
    expect(() => db.queue('q').enqueue('lost')).toThrow(expect.objectContaining({ code: 'database_replaced' }))
  })

  it('fails waiting consumers with closed when the database closes', async () => {
    const { db } = openDb(watcher)
    const subscription = db.subscribe()
    const waiting = subscription.wait()
    db.close()
    await expect(waiting).rejects.toMatchObject({ code: 'closed' })
  })
})

describe('wait options', () => {
  it('returns aborted when the signal aborts, and frees the watcher when the last subscriber leaves', async () => {
    const { db } = openDb({})
    const controller = new AbortController()
    const subscription = db.subscribe()
    const waiting = subscription.wait({ signal: controller.signal })
    controller.abort()
    expect(await waiting).toBe('aborted')
    subscription.close()
    await expect(subscription.wait()).rejects.toMatchObject({ code: 'closed' })
  })
})

describe('interest', () => {
  // Events only: a fallback of an hour, so a wake can come from file events or the resume check.
  const watcher: WatcherOptions = { mode: 'events', fallbackIntervalMs: 3_600_000 }

  it('stops file events while no subscriber is interested, and delivers a commit made meanwhile on resume', async () => {
    const { db, other } = openDb(watcher)
    other.exec('CREATE TABLE t (x)')
    const busy = db.subscribe()
    onCleanup(() => busy.close())
    const lease = acquireWatcher(db.path, defaultDriver(), watcher)
    onCleanup(() => lease.release())
    expect(lease.watcher.fileEventsActive).toBe(true)

    busy.setInterest(false)
    expect(lease.watcher.fileEventsActive).toBe(false)
    other.prepare('INSERT INTO t VALUES (1)').run()
    expect(await busy.wait({ timeoutMs: 200 })).toBe('timeout') // nobody listened for it

    busy.setInterest(true)
    expect(lease.watcher.fileEventsActive).toBe(true)
    expect(await busy.wait({ timeoutMs: 0 })).toBe('wake') // found by the check on resume
    other.prepare('INSERT INTO t VALUES (2)').run()
    expect(await busy.wait({ timeoutMs: 5_000 })).toBe('wake') // and file events are back
  })

  it('keeps file events while any subscriber is interested', async () => {
    const { db, other } = openDb(watcher)
    other.exec('CREATE TABLE t (x)')
    const busy = db.subscribe()
    const listening = db.subscribe()
    onCleanup(() => busy.close())
    onCleanup(() => listening.close())
    busy.setInterest(false)
    other.prepare('INSERT INTO t VALUES (1)').run()
    expect(await listening.wait({ timeoutMs: 5_000 })).toBe('wake')
    listening.close() // the last interested one leaves: events stop; a new subscriber restarts them
    const late = db.subscribe()
    onCleanup(() => late.close())
    other.prepare('INSERT INTO t VALUES (2)').run()
    expect(await late.wait({ timeoutMs: 5_000 })).toBe('wake')
  })

  it('a worker that drained a backlog (and stopped file events meanwhile) still wakes on the next commit', async () => {
    const { db, file } = openDb(watcher)
    const q = db.queue('q')
    q.enqueueMany(Array.from({ length: 3000 }, (_, n) => ({ n })))
    const lease = acquireWatcher(file, defaultDriver(), watcher)
    onCleanup(() => lease.release())
    let handled = 0
    let eventsStopped = false
    const worker = q.work(
      () => {
        handled++
        if (!lease.watcher.fileEventsActive) eventsStopped = true
      },
      { fallbackPollMs: null, sweepIntervalMs: null },
    )
    onCleanup(() => void worker.stop())
    const deadline = Date.now() + 20_000
    while (handled < 3000 && Date.now() < deadline) await sleep(10)
    expect(handled).toBe(3000)
    expect(eventsStopped).toBe(true)
    await sleep(50)
    // Another process's commit: only file events can wake the worker (no fallback anywhere).
    const producer = new Sqlite(file)
    onCleanup(() => producer.close())
    producer.prepare(`INSERT INTO _honker_live (queue, payload) VALUES ('q', '{"late":true}')`).run()
    while (handled < 3001 && Date.now() < deadline) await sleep(10)
    expect(handled).toBe(3001)
    await worker.stop()
  })
})
