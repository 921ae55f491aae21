import { describe, expect, it } from 'vitest'
import Sqlite from './sqlite.ts'
import { open, type Database, type StreamEvent, type StreamSubscription, type SubscribeOptions } from '@honker/core'
import { onCleanup, sleep, spawnFixture, tempDbPath } from './helpers.ts'
import { nativeSkipReason, nativeSql } from './native.ts'

function openDb(): { db: Database; file: string } {
  const file = tempDbPath()
  const db = open(file)
  onCleanup(() => db.close())
  return { db, file }
}

/** A second connection to the file, as another process would have. */
function raw(file: string): Sqlite.Database {
  const handle = new Sqlite(file)
  handle.pragma('busy_timeout = 5000')
  onCleanup(() => handle.close())
  return handle
}

function subscribe<P = unknown>(db: Database, topic: string, options: SubscribeOptions): StreamSubscription<P> {
  const subscription = db.stream<P>(topic).subscribe(options)
  onCleanup(() => {
    if (!db.closed) subscription.close()
  })
  return subscription
}

/** The next event, or a failure if none arrives in time. */
async function nextOf<P>(subscription: StreamSubscription<P>, timeoutMs = 5_000): Promise<StreamEvent<P>> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    const result = await Promise.race([subscription.next(), timeout])
    if (result.done === true) throw new Error('the subscription ended')
    return result.value
  } finally {
    clearTimeout(timer)
  }
}

async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol('pending')
  return (await Promise.race([promise, sleep(ms).then(() => marker)])) === marker
}

function streamRows(file: string): { offset: number; topic: string; key: string | null; payload: string }[] {
  return raw(file).prepare('SELECT "offset", topic, key, payload FROM _honker_stream ORDER BY "offset"').all() as never
}

function consumerRows(file: string): { name: string; topic: string; offset: number }[] {
  return raw(file).prepare('SELECT name, topic, "offset" FROM _honker_stream_consumers ORDER BY name, topic').all() as never
}

describe('publish', () => {
  it('rolls back with its transaction and commits with it', () => {
    const { db, file } = openDb()
    db.transaction((tx) => tx.run('CREATE TABLE orders (id INTEGER PRIMARY KEY)'))
    const orders = db.stream('orders')
    expect(() =>
      db.transaction((tx) => {
        tx.run('INSERT INTO orders (id) VALUES (1)')
        orders.publish({ id: 1 }, { tx, key: 'order-1' })
        throw new Error('declined')
      }),
    ).toThrow('declined')
    expect(streamRows(file)).toEqual([])
    const offset = db.transaction((tx) => {
      tx.run('INSERT INTO orders (id) VALUES (2)')
      return orders.publish({ id: 2 }, { tx, key: 'order-2' })
    })
    expect(streamRows(file)).toEqual([{ offset, topic: 'orders', key: 'order-2', payload: '{"id":2}' }])
    expect(raw(file).prepare('SELECT count(*) FROM orders').pluck().get()).toBe(1)
  })

  it('shares one offset sequence across topics; key defaults to null; payloads are JSON text', () => {
    const { db, file } = openDb()
    const a = db.stream('a').publish('42')
    const b = db.stream('b').publish({ x: 1 }, { key: null })
    const c = db.stream('a').publish(null, { key: '' })
    expect([b - a, c - b]).toEqual([1, 1])
    expect(streamRows(file)).toEqual([
      { offset: a, topic: 'a', key: null, payload: '"42"' },
      { offset: b, topic: 'b', key: null, payload: '{"x":1}' },
      { offset: c, topic: 'a', key: '', payload: 'null' },
    ])
  })
})

describe('readSince', () => {
  it('returns events of the topic after the offset, ascending, at most limit', () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const offsets: number[] = []
    for (let i = 0; i < 10; i++) {
      offsets.push(s.publish(i, { key: `k${i}` }))
      db.stream('noise').publish(i)
    }
    const page = s.readSince(0, 4)
    expect(page.map((e) => e.offset)).toEqual(offsets.slice(0, 4))
    expect(page.map((e) => e.payload)).toEqual([0, 1, 2, 3])
    expect(page[1]).toMatchObject({ topic: 's', key: 'k1', payloadText: '1' })
    expect(typeof page[0]!.createdAt).toBe('number')
    expect(s.readSince(offsets[3]!, 100).map((e) => e.payload)).toEqual([4, 5, 6, 7, 8, 9])
    expect(s.readSince(offsets[3]! + 1, 2).map((e) => e.payload)).toEqual([4, 5]) // a noise offset in between
    expect(s.readSince(offsets[9]!, 10)).toEqual([])
    expect(db.stream('empty').readSince(0, 10)).toEqual([])
  })

  it('reads an event whose stored text is not JSON; only its payload throws', () => {
    const { db, file } = openDb()
    raw(file).prepare('INSERT INTO _honker_stream (topic, key, payload) VALUES (?, NULL, ?)').run('s', 'nope{')
    const [event] = db.stream('s').readSince(0, 1)
    expect(event!.payloadText).toBe('nope{')
    expect(() => event!.payload).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
  })
})

describe('saveOffset and getOffset', () => {
  it('saves monotonically per (consumer, topic); getOffset is 0 without a row', () => {
    const { db, file } = openDb()
    const s = db.stream('s')
    expect(s.getOffset('c1')).toBe(0)
    expect(s.saveOffset('c1', 5)).toBe(true)
    expect(s.saveOffset('c1', 5)).toBe(false)
    expect(s.saveOffset('c1', 3)).toBe(false)
    expect(s.getOffset('c1')).toBe(5)
    expect(s.saveOffset('c1', 9)).toBe(true)
    expect(s.getOffset('c1')).toBe(9)
    expect(s.saveOffset('c1', 0)).toBe(false)
    expect(db.stream('t').saveOffset('c1', 2)).toBe(true)
    expect(s.saveOffset('c2', 0)).toBe(true)
    expect(s.getOffset('c2')).toBe(0)
    expect(db.stream('t').getOffset('c1')).toBe(2)
    expect(consumerRows(file)).toEqual([
      { name: 'c1', topic: 's', offset: 9 },
      { name: 'c1', topic: 't', offset: 2 },
      { name: 'c2', topic: 's', offset: 0 },
    ])
  })

  it('saves inside a transaction, rolled back with it', () => {
    const { db } = openDb()
    const s = db.stream('s')
    expect(() =>
      db.transaction((tx) => {
        expect(s.saveOffset('c', 7, { tx })).toBe(true)
        throw new Error('rollback')
      }),
    ).toThrow('rollback')
    expect(s.getOffset('c')).toBe(0)
    db.transaction((tx) => s.saveOffset('c', 7, { tx }))
    expect(s.getOffset('c')).toBe(7)
  })
})

describe('bad input', () => {
  it('is refused with a coded error and nothing is written', () => {
    const { db, file } = openDb()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => db.stream('')).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'topic' }))
    expect(() => db.stream(1 as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    const s = db.stream('s')
    for (const payload of [undefined, 1n, cyclic, () => 0]) {
      expect(() => s.publish(payload)).toThrow(expect.objectContaining({ code: 'invalid_payload' }))
    }
    expect(() => s.publish(1, { key: 5 as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'key' }))
    expect(() => s.publish(1, { tx: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    for (const [offset, limit] of [[-1, 10], [1.5, 10], [0, 0], [0, -1], [0, 2.5], [Number.NaN, 1], ['1', 1], [0, 1e9]]) {
      expect(() => s.readSince(offset as number, limit as number)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    }
    for (const [consumer, offset] of [['', 1], [null, 1], ['c', -1], ['c', 0.5], ['c', '3'], ['c', Number.POSITIVE_INFINITY]]) {
      expect(() => s.saveOffset(consumer as string, offset as number)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    }
    expect(() => s.getOffset('')).toThrow(expect.objectContaining({ code: 'invalid_argument', argument: 'consumer' }))
    const badSubscribe: unknown[] = [
      undefined,
      {},
      { consumer: '' },
      { consumer: 'c', fromOffset: -1 },
      { consumer: 'c', fromOffset: 1.5 },
      { consumer: 'c', saveEveryN: 0 },
      { consumer: 'c', saveEveryS: -1 },
      { consumer: 'c', batchSize: 0 },
      { consumer: 'c', fallbackPollMs: -5 },
      { consumer: 'c', signal: {} },
    ]
    for (const options of badSubscribe) {
      expect(() => s.subscribe(options as SubscribeOptions)).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    }
    expect(streamRows(file)).toEqual([])
    expect(consumerRows(file)).toEqual([])
    db.close()
    expect(() => s.publish(1)).toThrow(expect.objectContaining({ code: 'closed' }))
    expect(() => s.readSince(0, 1)).toThrow(expect.objectContaining({ code: 'closed' }))
    expect(() => db.stream('s')).toThrow(expect.objectContaining({ code: 'closed' }))
  })
})

describe('subscribe', () => {
  it('replays from the saved offset, then follows new events', async () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const offsets = [1, 2, 3, 4].map((n) => s.publish(n))
    s.saveOffset('c', offsets[1]!)
    const sub = subscribe<number>(db, 's', { consumer: 'c' })
    expect(sub.savedOffset).toBe(offsets[1])
    expect((await nextOf(sub)).payload).toBe(3)
    expect((await nextOf(sub)).payload).toBe(4)
    const live = sub.next()
    expect(await pendingAfter(live, 100)).toBe(true)
    const five = s.publish(5)
    expect((await live).value?.offset).toBe(five)
  })

  it('starts after fromOffset when given', async () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const offsets = [1, 2, 3].map((n) => s.publish(n))
    s.saveOffset('c', offsets[2]!)
    const replay = subscribe<number>(db, 's', { consumer: 'c', fromOffset: 0 })
    expect((await nextOf(replay)).payload).toBe(1)
    replay.close()
    const skip = subscribe<number>(db, 's', { consumer: 'other', fromOffset: offsets[1]! })
    expect((await nextOf(skip)).payload).toBe(3)
  })

  it('sees an event committed by another connection right after subscribe() returns, with no fallback poll', async () => {
    const { db, file } = openDb()
    const other = raw(file)
    for (let round = 0; round < 20; round++) {
      const sub = subscribe(db, `race-${round}`, { consumer: 'c', fallbackPollMs: null })
      const { lastInsertRowid } = other
        .prepare('INSERT INTO _honker_stream (topic, key, payload) VALUES (?, NULL, ?)')
        .run(`race-${round}`, '1')
      expect((await nextOf(sub)).offset).toBe(Number(lastInsertRowid))
      sub.close()
    }
  })

  it('saves only finished events: breaking out saves the previous event, not the one being handled', async () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const offsets = [0, 1, 2, 3, 4].map((n) => s.publish(n))
    const sub = subscribe<number>(db, 's', { consumer: 'c', saveEveryN: 1000, saveEveryS: null })
    for await (const event of sub) {
      if (event.payload === 2) break // handling offsets[2] fails halfway
    }
    expect(sub.closed).toBe(true)
    expect(sub.finishedOffset).toBe(offsets[1])
    expect(s.getOffset('c')).toBe(offsets[1])
    // Restart: the unfinished event comes again.
    const again = subscribe<number>(db, 's', { consumer: 'c', saveEveryS: null })
    expect((await nextOf(again)).offset).toBe(offsets[2])
    again.ack() // finished explicitly: close() now saves it
    again.close()
    expect(s.getOffset('c')).toBe(offsets[2])
    // A consumer that throws: for-await calls return(); the event that threw is not saved.
    const throwing = subscribe<number>(db, 's', { consumer: 'c', saveEveryS: null })
    await expect(
      (async () => {
        for await (const event of throwing) if (event.payload === 4) throw new Error('handler failed')
      })(),
    ).rejects.toThrow('handler failed')
    expect(s.getOffset('c')).toBe(offsets[3])
  })

  it('saves every saveEveryN finished events while running', async () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const offsets = Array.from({ length: 10 }, (_, i) => s.publish(i))
    const sub = subscribe<number>(db, 's', { consumer: 'c', saveEveryN: 3, saveEveryS: null, batchSize: 4 })
    const savedWhenHanded: number[] = []
    for (let i = 0; i < 10; i++) {
      await nextOf(sub)
      savedWhenHanded.push(s.getOffset('c'))
    }
    // Handing out event i finishes event i-1; a save happens when 3 are finished (events 0-2, 3-5, 6-8).
    const o = offsets
    expect(savedWhenHanded).toEqual([0, 0, 0, o[2], o[2], o[2], o[5], o[5], o[5], o[8]])
  })

  it('saves finished events after saveEveryS while idle, not only on the next event', async () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const offsets = [1, 2, 3].map((n) => s.publish(n))
    const sub = subscribe<number>(db, 's', { consumer: 'c', saveEveryN: 1000, saveEveryS: 0.2, fallbackPollMs: null })
    for (let i = 0; i < 3; i++) await nextOf(sub)
    const waiting = sub.next() // finishes the third event, then waits for a fourth
    expect(s.getOffset('c')).toBe(0)
    for (let i = 0; i < 300 && s.getOffset('c') === 0; i++) await sleep(10)
    expect(s.getOffset('c')).toBe(offsets[2])
    expect(await pendingAfter(waiting, 50)).toBe(true)
    sub.close()
    expect(await waiting).toEqual({ done: true, value: undefined })
  })

  it('ends on abort (saving finished events) and rejects when the database closes', async () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const first = s.publish(1)
    const controller = new AbortController()
    const sub = subscribe<number>(db, 's', { consumer: 'c', signal: controller.signal, saveEveryS: null })
    expect((await nextOf(sub)).offset).toBe(first)
    const waiting = sub.next()
    controller.abort()
    expect(await waiting).toEqual({ done: true, value: undefined })
    expect(s.getOffset('c')).toBe(first)

    const orphan = subscribe(db, 's', { consumer: 'd' })
    expect((await nextOf(orphan)).offset).toBe(first)
    const pending = orphan.next()
    db.close()
    await expect(pending).rejects.toMatchObject({ code: 'closed' })
    expect(await orphan.next()).toEqual({ done: true, value: undefined })
  })

  it('replays a long backlog completely and in order across pages', async () => {
    const { db } = openDb()
    const s = db.stream<number>('s')
    const n = 5000
    db.transaction((tx) => {
      for (let i = 0; i < n; i++) s.publish(i, { tx })
    })
    const sub = subscribe<number>(db, 's', { consumer: 'c', batchSize: 1000 })
    const got: number[] = []
    for await (const event of sub) {
      got.push(event.payload)
      if (got.length === n) {
        sub.ack()
        break
      }
    }
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i))
    expect(s.getOffset('c')).toBe(s.readSince(0, n).at(-1)!.offset)
  })
})

describe('streams across processes', () => {
  it('a subscriber and a listener in another process receive every committed event, in order', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const orders = db.stream<{ n: number }>('orders')
    // Published before the consumer exists: a stream replays it (a listener would not).
    const early = orders.publish({ n: -1 })
    db.notify('orders', { n: -1 })
    const child = spawnFixture('listen-and-subscribe.mjs', {
      db: file,
      channel: 'orders',
      topic: 'orders',
      consumer: 'billing',
      notifications: 200,
      events: 201,
    })
    await child.waitFor((m) => m.event === 'ready')
    const offsets = [early]
    const ids: number[] = []
    for (let batch = 0; batch < 10; batch++) {
      db.transaction((tx) => {
        for (let i = 0; i < 20; i++) {
          offsets.push(orders.publish({ n: batch * 20 + i }, { tx, key: `k${batch}` }))
          ids.push(db.notify('orders', { n: batch * 20 + i }, { tx }))
          db.stream('noise').publish(i, { tx })
        }
      })
      try {
        db.transaction((tx) => {
          orders.publish({ n: -2 }, { tx })
          throw new Error('rolled back')
        })
      } catch {}
    }
    const done = await child.waitFor((m) => m.event === 'done')
    const events = child.messages.filter((m) => m.event === 'stream')
    expect(events.map((m) => m.offset)).toEqual(offsets)
    expect(events.map((m) => (m.payload as { n: number }).n)).toEqual([-1, ...ids.map((_, i) => i)])
    expect(events[1]).toMatchObject({ topic: 'orders', key: 'k0' })
    const notifications = child.messages.filter((m) => m.event === 'notification')
    expect(notifications.map((m) => m.id)).toEqual(ids)
    // The last event was acked before leaving the loop, so it is saved too.
    expect(done.saved).toBe(offsets.at(-1))
    expect(orders.getOffset('billing')).toBe(offsets.at(-1))
    expect(await child.exited).toEqual({ code: 0, signal: null })
  })

  it('a consumer killed with SIGKILL mid-stream resumes from its saved offset and loses nothing', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const s = db.stream<number>('jobs')
    const total = 300
    const saveEveryN = 10
    const offsets = db.transaction((tx) => Array.from({ length: total }, (_, i) => s.publish(i, { tx })))
    const config = { db: file, topic: 'jobs', consumer: 'worker', saveEveryN, delayMs: 3, lastOffset: offsets.at(-1) }

    const first = spawnFixture('stream-consumer.mjs', config)
    await first.waitFor((m) => m.event === 'handled' && (m.offset as number) >= offsets[125]!)
    first.process.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    const handled1 = first.messages.filter((m) => m.event === 'handled').map((m) => m.offset as number)
    const saved = s.getOffset('worker')
    expect(handled1.length).toBeLessThan(total) // really killed mid-stream
    expect(handled1).toEqual(offsets.slice(0, handled1.length)) // in order, no gaps
    const lastHandled = handled1.at(-1)!
    expect(saved).toBeLessThanOrEqual(lastHandled) // never ahead of what was handed out
    expect(lastHandled - saved).toBeLessThanOrEqual(saveEveryN)

    const second = spawnFixture('stream-consumer.mjs', config)
    expect((await second.waitFor((m) => m.event === 'ready')).saved).toBe(saved)
    await second.waitFor((m) => m.event === 'done')
    const handled2 = second.messages.filter((m) => m.event === 'handled').map((m) => m.offset as number)
    expect(handled2).toEqual(offsets.filter((offset) => offset > saved)) // resumes right after the saved offset

    const seen = new Set([...handled1, ...handled2])
    expect([...seen].sort((a, b) => a - b)).toEqual(offsets) // every offset handled at least once
    const duplicates = handled1.filter((offset) => handled2.includes(offset))
    expect(duplicates).toEqual(offsets.filter((offset) => offset > saved && offset <= lastHandled)) // only the unsaved tail
    console.log(
      `stream crash test: killed after ${handled1.length} events, saved offset ${saved}, ` +
        `${duplicates.length} delivered twice (bound ${saveEveryN})`,
    )
    expect(duplicates.length).toBeLessThanOrEqual(saveEveryN)
    expect(s.getOffset('worker')).toBe(offsets.at(-1))
  })
})

describe.skipIf(nativeSkipReason !== null)('stream interop with the honker 0.5.1 native binding', () => {
  it('reads events honker published, and honker reads ours', async () => {
    const { db, file } = openDb()
    const s = db.stream('orders')
    const ours = s.publish({ from: 'us' }, { key: 'k-us' })
    const [[published], [read]] = (await nativeSql(file, [
      { sql: 'SELECT honker_stream_publish(?, ?, ?) AS offset', params: ['orders', 'k-honker', '{"from":"honker"}'] },
      { sql: 'SELECT honker_stream_read_since(?, ?, ?) AS events', params: ['orders', 0, 10] },
    ])) as [{ offset: number }[], { events: string }[]]
    expect(published!.offset).toBe(ours + 1)
    const honkerView = JSON.parse(read!.events) as Record<string, unknown>[]
    expect(honkerView).toEqual([
      expect.objectContaining({ offset: ours, topic: 'orders', key: 'k-us', payload: '{"from":"us"}' }),
      expect.objectContaining({ offset: ours + 1, topic: 'orders', key: 'k-honker', payload: '{"from":"honker"}' }),
    ])
    const events = s.readSince(0, 10)
    expect(events.map((e) => [e.offset, e.key, e.payload])).toEqual([
      [ours, 'k-us', { from: 'us' }],
      [ours + 1, 'k-honker', { from: 'honker' }],
    ])
    expect(events[0]!.createdAt).toBe(honkerView[0]!.created_at)
  })

  it('delivers an event honker publishes to a live subscriber', async () => {
    const { db, file } = openDb()
    const sub = subscribe(db, 'orders', { consumer: 'c', fallbackPollMs: null })
    const pending = sub.next()
    const [[row]] = (await nativeSql(file, [
      { sql: 'SELECT honker_stream_publish(?, NULL, ?) AS offset', params: ['orders', '[1,2]'] },
    ])) as [{ offset: number }[]]
    const result = await pending
    expect(result.value?.offset).toBe(row!.offset)
    expect(result.value?.payload).toEqual([1, 2])
    expect(result.value?.key).toBeNull()
  })

  it('shares saved offsets keyed (consumer, topic) both ways', async () => {
    const { db, file } = openDb()
    const s = db.stream('orders')
    s.saveOffset('billing', 42)
    const [[ours], [saved], [again]] = (await nativeSql(file, [
      { sql: 'SELECT honker_stream_get_offset(?, ?) AS offset', params: ['billing', 'orders'] },
      { sql: 'SELECT honker_stream_save_offset(?, ?, ?) AS changed', params: ['shipping', 'orders', 17] },
      { sql: 'SELECT honker_stream_save_offset(?, ?, ?) AS changed', params: ['billing', 'orders', 40] },
    ])) as [{ offset: number }[], { changed: number }[], { changed: number }[]]
    expect(ours!.offset).toBe(42)
    expect(saved!.changed).toBe(1)
    expect(again!.changed).toBe(0) // honker's save is monotonic too
    expect(s.getOffset('shipping')).toBe(17)
    expect(s.getOffset('billing')).toBe(42)
    expect(db.stream('shipping').getOffset('orders')).toBe(0) // not swapped (honker Node's mistake)
  })
})
