import { describe, expect, it } from 'vitest'
import { freshDatabase, testPool } from './support/pg.ts'

describe('notify/listen and streams on PostgreSQL', () => {
  it('delivers notifications committed after listen, from another pool, in id order; a rolled-back notify never arrives', async () => {
    const db = await freshDatabase()
    const other = await freshDatabase({ schema: db.schema, postgres: testPool() })
    await db.notify('orders', { before: true })
    const listener = await db.listen<{ n: number }>('orders', { fallbackPollMs: null })
    await expect(
      other.transaction(async (tx) => {
        await other.notify('orders', { n: -1 }, { tx })
        throw new Error('rollback')
      }),
    ).rejects.toThrow('rollback')
    await other.notify('orders', { n: 1 })
    await other.notify('elsewhere', { n: 99 })
    await other.notify('orders', { n: 2 })
    const got: number[] = []
    for await (const notification of listener) {
      got.push(notification.payload.n)
      if (got.length === 2) break
    }
    expect(got).toEqual([1, 2])
    expect(listener.closed).toBe(true)
  })

  it('carries payloads far past NOTIFY\'s 8,000-byte limit, and text that is not plain ASCII', async () => {
    const db = await freshDatabase()
    const listener = await db.listen<string>('big')
    const big = 'é😀\u0000'.repeat(300_000)
    await db.notify('big', big)
    const first = await listener.next()
    expect(first.done).toBe(false)
    expect(first.done === false && first.value.payload).toBe(big)
    listener.close()
  })

  it('takes any channel and topic name: long, unicode, quotes (names travel as NOTIFY payloads, never identifiers)', async () => {
    const db = await freshDatabase()
    const other = await freshDatabase({ schema: db.schema, postgres: testPool() })
    for (const name of ['x'.repeat(1_000), 'naïve "quoted"; DROP TABLE x; --', '通知']) {
      const listener = await db.listen<number>(name, { fallbackPollMs: null })
      const subscription = await db.stream<number>(name).subscribe({ consumer: 'c', fallbackPollMs: null })
      setTimeout(() => void other.notify(name, 1).then(() => other.stream(name).publish(2)), 20)
      const [note, event] = await Promise.all([listener.next(), subscription.next()])
      expect([note.done === false && note.value.payload, event.done === false && event.value.payload]).toEqual([1, 2])
      listener.close()
      await subscription.close()
    }
  })

  it('keeps offsets in commit order when two publishers of one topic commit in reverse order', async () => {
    const db = await freshDatabase()
    const stream = db.stream<number>('ordered')
    let releaseFirst!: () => void
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve))
    const first = db.transaction(async (tx) => {
      await stream.publish(1, { tx })
      await firstHeld
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    // The second publisher waits on the topic's ordering lock: it cannot draw a later offset and
    // commit it while the earlier one is still invisible (a reader would skip it for ever).
    const second = stream.publish(2)
    const secondDone = await Promise.race([second.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 300))])
    expect(secondDone).toBe(false)
    releaseFirst()
    await first
    await second
    expect((await stream.readSince(0, 10)).map((event) => event.payload)).toEqual([1, 2])
  })

  it('follows new events from another pool through LISTEN wakes', async () => {
    const db = await freshDatabase()
    const other = await freshDatabase({ schema: db.schema, postgres: testPool() })
    const subscription = await db.stream<number>('live').subscribe({ consumer: 'x', fallbackPollMs: null })
    const started = Date.now()
    setTimeout(() => void other.stream('live').publish(7), 50)
    const next = await subscription.next()
    expect(next.done === false && next.value.payload).toBe(7)
    expect(Date.now() - started).toBeLessThan(5_000)
    await subscription.close()
  })
})
