import { copyFileSync, renameSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import Sqlite from './sqlite.ts'
import { open, type Database, type Listener, type Notification } from '@honker/core'
import { onCleanup, sleep, spawnFixture, tempDbPath } from './helpers.ts'
import { nativeSkipReason, nativeSql } from './native.ts'

/** A database on a real file; `clock` moves by hand (whole seconds matter for pruning). */
function openDb(options: { clock?: boolean } = {}): { db: Database; file: string; clock: { t: number; now(): number } } {
  const file = tempDbPath()
  const clock = { t: 1_800_000_000_000, now: () => clock.t }
  const db = open(file, options.clock === true ? { clock } : {})
  onCleanup(() => db.close())
  return { db, file, clock }
}

/** A second connection to the file, as another process would have. */
function raw(file: string): Sqlite.Database {
  const handle = new Sqlite(file)
  handle.pragma('busy_timeout = 5000')
  onCleanup(() => handle.close())
  return handle
}

function listen<P = unknown>(db: Database, channel: string, options?: Parameters<Database['listen']>[1]): Listener<P> {
  const listener = db.listen<P>(channel, options)
  onCleanup(() => listener.close())
  return listener
}

/** The next notification, or a failure if none arrives in time. */
async function nextOf<P>(listener: Listener<P>, timeoutMs = 5_000): Promise<Notification<P>> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no notification within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    const result = await Promise.race([listener.next(), timeout])
    if (result.done === true) throw new Error('the listener ended')
    return result.value
  } finally {
    clearTimeout(timer)
  }
}

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol('pending')
  return (await Promise.race([promise, sleep(ms).then(() => marker)])) === marker
}

function notificationRows(file: string): { id: number; channel: string; payload: string; created_at: number }[] {
  return raw(file).prepare('SELECT id, channel, payload, created_at FROM _honker_notifications ORDER BY id').all() as never
}

describe('notify', () => {
  it('rolls back with its transaction and commits with it, writing one row and nothing else', () => {
    const { db, file, clock } = openDb({ clock: true })
    db.transaction((tx) => tx.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT)'))
    const before = raw(file).prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all()

    expect(() =>
      db.transaction((tx) => {
        tx.run('INSERT INTO orders (status) VALUES (?)', ['declined'])
        db.notify('orders', { status: 'declined' }, { tx })
        throw new Error('payment declined')
      }),
    ).toThrow('payment declined')
    expect(notificationRows(file)).toEqual([])
    expect(raw(file).prepare('SELECT count(*) FROM orders').pluck().get()).toBe(0)

    const id = db.transaction((tx) => {
      tx.run('INSERT INTO orders (status) VALUES (?)', ['paid'])
      return db.notify('orders', { status: 'paid' }, { tx })
    })
    expect(notificationRows(file)).toEqual([
      { id, channel: 'orders', payload: '{"status":"paid"}', created_at: Math.floor(clock.t / 1000) },
    ])
    // The only sequence that moved (besides the app's own table) is the notifications one.
    const after = raw(file).prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all()
    expect(after).toEqual([...before, { name: '_honker_notifications', seq: id }].sort((a, b) =>
      (a as { name: string }).name.localeCompare((b as { name: string }).name),
    ))
  })

  it('is its own transaction without a tx, and stores payloads as JSON text (strings included)', () => {
    const { db, file } = openDb()
    const a = db.notify('ch', '42')
    const b = db.notify('ch', null)
    const c = db.notify('ch', [1, { x: 'y' }])
    expect(b).toBe(a + 1)
    expect(c).toBe(a + 2)
    expect(notificationRows(file).map((row) => row.payload)).toEqual(['"42"', 'null', '[1,{"x":"y"}]'])
  })

  it('refuses bad input with a coded error and writes nothing', () => {
    const { db, file } = openDb()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => db.notify('', 'x')).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'channel' }))
    expect(() => db.notify(7 as unknown as string, 'x')).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    for (const payload of [undefined, 10n, cyclic, () => 1, Symbol('s')]) {
      expect(() => db.notify('ch', payload)).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    }
    expect(() => db.notify('ch', 1, { tx: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => db.notify('ch', 1, null as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    // A bad notify inside a transaction throws before writing: the business row still commits.
    db.transaction((tx) => {
      tx.run('CREATE TABLE t (x)')
      expect(() => db.notify('ch', 10n, { tx })).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
      tx.run('INSERT INTO t VALUES (1)')
    })
    expect(raw(file).prepare('SELECT count(*) FROM t').pluck().get()).toBe(1)
    expect(notificationRows(file)).toEqual([])
    db.close()
    expect(() => db.notify('ch', 1)).toThrow(expect.objectContaining({ code: 'closed' }))
  })
})

describe('listen', () => {
  it('delivers notifications committed after it was created, on its channel only, in id order', async () => {
    const { db, file } = openDb()
    const early = db.notify('orders', { n: 'before' })
    const listener = listen<{ n: number }>(db, 'orders')
    expect(listener.lastId).toBe(early)
    const other = raw(file)
    const ids: number[] = []
    for (let n = 0; n < 5; n++) {
      ids.push(db.notify('orders', { n }))
      db.notify('elsewhere', { n })
      other.prepare('INSERT INTO _honker_notifications (channel, payload) VALUES (?, ?)').run('orders', JSON.stringify({ n: n + 100 }))
      ids.push(ids.at(-1)! + 2)
    }
    const got: Notification<{ n: number }>[] = []
    for (let i = 0; i < ids.length; i++) got.push(await nextOf(listener))
    expect(got.map((n) => n.id)).toEqual(ids)
    expect(got.map((n) => n.payload.n)).toEqual([0, 100, 1, 101, 2, 102, 3, 103, 4, 104])
    expect(got.every((n) => n.channel === 'orders')).toBe(true)
    expect(got[0]!.payloadText).toBe('{"n":0}')
    expect(typeof got[0]!.createdAt).toBe('number')
    // Nothing else is pending: the next read waits.
    expect(await pendingAfter(listener.next(), 150)).toBe(true)
  })

  it('a listener created after a notify does not replay it; one created before sees it', async () => {
    const { db } = openDb()
    const before = listen(db, 'ch')
    const id = db.notify('ch', 'hello')
    const after = listen(db, 'ch')
    expect((await nextOf(before)).id).toBe(id)
    const afterNext = after.next()
    expect(await pendingAfter(afterNext, 200)).toBe(true)
    const later = db.notify('ch', 'again')
    expect((await nextOf(before)).id).toBe(later)
    // The pending read gets the later one, never `id`.
    expect((await afterNext).value?.id).toBe(later)
  })

  it('sees a notify committed by another connection right after listen() returns, with no fallback poll', async () => {
    const { db, file } = openDb()
    const other = raw(file)
    for (let round = 0; round < 20; round++) {
      const listener = listen(db, `race-${round}`, { fallbackPollMs: null })
      const { lastInsertRowid } = other
        .prepare('INSERT INTO _honker_notifications (channel, payload) VALUES (?, ?)')
        .run(`race-${round}`, '1')
      expect((await nextOf(listener, 5_000)).id).toBe(Number(lastInsertRowid))
      listener.close()
    }
  })

  it('delivers a large burst in pages, completely and in order', async () => {
    const { db } = openDb()
    const listener = listen<number>(db, 'burst')
    const ids = db.transaction((tx) => Array.from({ length: 1000 }, (_, i) => db.notify('burst', i, { tx })))
    const got: number[] = []
    for await (const n of listener) {
      got.push(n.payload)
      if (got.length === ids.length) break
    }
    expect(got).toEqual(ids.map((_, i) => i))
    expect(listener.closed).toBe(true)
  })

  it('yields a notification whose stored text is not JSON; its payload throws, the listener carries on', async () => {
    const { db, file } = openDb()
    const listener = listen(db, 'ch')
    raw(file).prepare('INSERT INTO _honker_notifications (channel, payload) VALUES (?, ?)').run('ch', 'not json {')
    db.notify('ch', { ok: true })
    const bad = await nextOf(listener)
    expect(bad.payloadText).toBe('not json {')
    expect(() => bad.payload).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    expect((await nextOf(listener)).payload).toEqual({ ok: true })
  })

  it('ends on close(), on abort and on leaving a for-await loop; rejects when the database closes', async () => {
    const { db } = openDb()
    const closing = listen(db, 'ch')
    const pending = closing.next()
    closing.close()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(await closing.next()).toEqual({ done: true, value: undefined })

    const controller = new AbortController()
    const aborting = listen(db, 'ch', { signal: controller.signal })
    const waiting = aborting.next()
    controller.abort()
    expect(await waiting).toEqual({ done: true, value: undefined })
    expect(aborting.closed).toBe(true)

    const alreadyAborted = listen(db, 'ch', { signal: AbortSignal.abort() })
    expect(alreadyAborted.closed).toBe(true)
    expect(await alreadyAborted.next()).toEqual({ done: true, value: undefined })

    const looping = listen(db, 'ch')
    db.notify('ch', 1)
    for await (const _ of looping) break
    expect(looping.closed).toBe(true)

    const orphan = listen(db, 'ch')
    const orphanWaiting = orphan.next()
    db.close()
    await expect(orphanWaiting).rejects.toMatchObject({ code: 'closed' })
    expect(await orphan.next()).toEqual({ done: true, value: undefined })
    expect(() => db.listen('ch')).toThrow(expect.objectContaining({ code: 'closed' }))
  })

  it('rejects with database_replaced when the file is replaced under it (no hang)', async () => {
    const { db, file } = openDb()
    const listener = listen(db, 'ch', { fallbackPollMs: null })
    const waiting = listener.next()
    const copy = `${file}.copy`
    copyFileSync(file, copy)
    renameSync(copy, file)
    await expect(waiting).rejects.toMatchObject({ code: 'database_replaced' })
  })

  it('serialises concurrent next() calls, each getting its own notification', async () => {
    const { db } = openDb()
    const listener = listen<number>(db, 'ch')
    const a = listener.next()
    const b = listener.next()
    db.notify('ch', 1)
    db.notify('ch', 2)
    const [ra, rb] = await Promise.all([a, b])
    expect([ra.value?.payload, rb.value?.payload]).toEqual([1, 2])
  })

  it('refuses bad options and starting inside a transaction', () => {
    const { db } = openDb()
    expect(() => db.listen('')).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => db.listen('ch', { fallbackPollMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => db.listen('ch', { signal: new AbortController() as never })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    )
    db.transaction((tx) => {
      db.notify('ch', 1, { tx })
      expect(() => db.listen('ch')).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    })
  })
})

describe('pruneNotifications', () => {
  it('deletes by age with the cut-off taken from the clock inside the DELETE', () => {
    const { db, file, clock } = openDb({ clock: true })
    const old = db.notify('a', 1)
    clock.t += 60_000
    const mid = db.notify('b', 2)
    clock.t += 60_000
    const fresh = db.notify('a', 3)
    // now = fresh's second; rows created strictly before now - 60 go.
    expect(db.pruneNotifications({ olderThanS: 60 })).toBe(1)
    expect(notificationRows(file).map((row) => row.id)).toEqual([mid, fresh])
    expect(db.pruneNotifications({ olderThanS: 60 })).toBe(0)
    expect(db.pruneNotifications({ olderThanS: 0 })).toBe(1)
    expect(notificationRows(file).map((row) => row.id)).toEqual([fresh])
    expect(old).toBeLessThan(mid)
  })

  it('keeps the newest maxKeep rows over all channels by rank, even with id gaps', () => {
    const { db, file } = openDb()
    const ids = Array.from({ length: 10 }, (_, i) => db.notify(i % 2 === 0 ? 'even' : 'odd', i))
    // Gaps: ids 3..6 gone. `max(id) - 4` would keep only ids 7..10 (four rows, one short of five).
    raw(file).prepare('DELETE FROM _honker_notifications WHERE id BETWEEN ? AND ?').run(ids[2], ids[5])
    expect(db.pruneNotifications({ maxKeep: 5 })).toBe(1)
    expect(notificationRows(file).map((row) => row.id)).toEqual([ids[1], ids[6], ids[7], ids[8], ids[9]])
    expect(db.pruneNotifications({ maxKeep: 5 })).toBe(0)
    expect(db.pruneNotifications({ maxKeep: 100 })).toBe(0)
    expect(db.pruneNotifications({ maxKeep: 2 })).toBe(3)
    expect(notificationRows(file).map((row) => row.id)).toEqual([ids[8], ids[9]])
    expect(db.pruneNotifications({ maxKeep: 0 })).toBe(2)
    expect(notificationRows(file)).toEqual([])
    // AUTOINCREMENT: an emptied table never hands out an old id again.
    expect(db.notify('even', 'next')).toBe(ids[9]! + 1)
  })

  it('applies both limits together: a row goes if either says so', () => {
    const { db, file, clock } = openDb({ clock: true })
    const a = db.notify('c', 1)
    clock.t += 120_000
    const b = db.notify('c', 2)
    const c = db.notify('c', 3)
    const d = db.notify('c', 4)
    expect(db.pruneNotifications({ olderThanS: 60, maxKeep: 2 })).toBe(2)
    expect(notificationRows(file).map((row) => row.id)).toEqual([c, d])
    expect([a, b]).toEqual([c - 2, c - 1])
  })

  it('refuses bad limits with a coded error and deletes nothing', () => {
    const { db, file } = openDb()
    db.notify('c', 1)
    for (const options of [{}, { olderThanS: -1 }, { maxKeep: -1 }, { maxKeep: 1.5 }, { olderThanS: '60' }, null]) {
      expect(() => db.pruneNotifications(options as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    }
    expect(notificationRows(file)).toHaveLength(1)
  })

  it('prunes on a timer until stopped, is replaced by a new policy, and stops when the database closes', async () => {
    const { db, file } = openDb()
    for (let i = 0; i < 5; i++) db.notify('c', i)
    const pruner = db.autoPruneNotifications({ maxKeep: 2, intervalMs: 10 })
    expect(pruner.running).toBe(true)
    for (let i = 0; i < 200 && notificationRows(file).length > 2; i++) await sleep(10)
    expect(notificationRows(file)).toHaveLength(2)
    expect(pruner.deleted).toBe(3)

    const replacement = db.autoPruneNotifications({ maxKeep: 1, intervalMs: 10 })
    expect(pruner.running).toBe(false)
    for (let i = 0; i < 200 && notificationRows(file).length > 1; i++) await sleep(10)
    expect(notificationRows(file)).toHaveLength(1)
    replacement.stop()
    expect(replacement.running).toBe(false)
    db.notify('c', 'kept')
    await sleep(60)
    expect(notificationRows(file)).toHaveLength(2)

    const third = db.autoPruneNotifications({ maxKeep: 0, intervalMs: 10 })
    db.close()
    expect(third.running).toBe(false)
    expect(() => db.autoPruneNotifications({ maxKeep: 0 })).toThrow(expect.objectContaining({ code: 'closed' }))
    expect(() => db.pruneNotifications({ maxKeep: 0 })).toThrow(expect.objectContaining({ code: 'closed' }))
  })

  it('reports prune failures other than busy to onError', async () => {
    const { db, file } = openDb()
    const errors: unknown[] = []
    // The table is gone: the DELETE fails with an SQLite error, not a busy lock.
    raw(file).exec('DROP TABLE _honker_notifications')
    const pruner = db.autoPruneNotifications({ maxKeep: 0, intervalMs: 10, onError: (error) => errors.push(error) })
    onCleanup(() => pruner.stop())
    for (let i = 0; i < 200 && errors.length === 0; i++) await sleep(10)
    expect(errors[0]).toMatchObject({ code: 'sqlite_error' })
    expect(pruner.running).toBe(true)
    expect(() => db.autoPruneNotifications({ maxKeep: 0, onError: 'log' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    )
  })

  it('does not keep the process alive', async () => {
    const file = tempDbPath()
    open(file).close()
    const child = spawnFixture('auto-prune-exit.mjs', { db: file })
    const pruned = await child.waitFor((m) => m.event === 'pruned')
    expect(pruned).toMatchObject({ deleted: 1, running: true })
    // Exits on its own although the pruner was never stopped and the database never closed.
    const exit = await Promise.race([child.exited, sleep(10_000).then(() => null)])
    expect(exit).toEqual({ code: 0, signal: null })
  })
})

describe('listen across processes', () => {
  it('a listener in another process receives every committed notification in order, and none from before', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const before = db.notify('orders', { n: -1 })
    const child = spawnFixture('listen-and-subscribe.mjs', {
      db: file,
      channel: 'orders',
      topic: 'unused',
      consumer: 'c',
      notifications: 200,
      events: 0,
    })
    const ready = await child.waitFor((m) => m.event === 'ready')
    expect(ready.listenerStartId).toBe(before)
    const expected: number[] = []
    for (let batch = 0; batch < 10; batch++) {
      db.transaction((tx) => {
        for (let i = 0; i < 20; i++) {
          expected.push(db.notify('orders', { n: batch * 20 + i }, { tx }))
          db.notify('other-channel', { n: batch * 20 + i }, { tx })
        }
      })
      // A rolled-back batch in between is never delivered.
      try {
        db.transaction((tx) => {
          db.notify('orders', { n: 'rolled back' }, { tx })
          throw new Error('rollback')
        })
      } catch {}
    }
    await child.waitFor((m) => m.event === 'done')
    const got = child.messages.filter((m) => m.event === 'notification')
    expect(got.map((m) => m.id)).toEqual(expected)
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual(expected.map((_, i) => i))
    expect(got.every((m) => m.channel === 'orders')).toBe(true)
    expect(await child.exited).toEqual({ code: 0, signal: null })
  })
})

describe.skipIf(nativeSkipReason !== null)('notify interop with the honker 0.5.1 native binding', () => {
  it('delivers a notification written by honker to our listener created before it', async () => {
    const { db, file } = openDb()
    const listener = listen(db, 'orders', { fallbackPollMs: null })
    const [[row]] = (await nativeSql(file, [{ sql: 'SELECT notify(?, ?) AS id', params: ['orders', '{"from":"honker"}'] }])) as [
      { id: number }[],
    ]
    const got = await nextOf(listener)
    expect(got.id).toBe(row!.id)
    expect(got.payload).toEqual({ from: 'honker' })
    expect(got.channel).toBe('orders')
  })

  it('makes our notifications visible to honker', async () => {
    const { db, file } = openDb()
    const id = db.notify('orders', { from: 'us' })
    const [rows] = await nativeSql(file, [
      { sql: 'SELECT id, channel, payload FROM _honker_notifications WHERE channel = ? ORDER BY id', params: ['orders'] },
    ])
    expect(rows).toEqual([{ id, channel: 'orders', payload: '{"from":"us"}' }])
  })
})
