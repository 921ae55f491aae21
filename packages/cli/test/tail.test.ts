import { describe, expect, it } from 'vitest'
import { open, type Database } from '@honker/core'
import { onCleanup, startCli, tempDbPath } from './helpers.ts'

function openDb(): { db: Database; file: string } {
  const file = tempDbPath()
  const db = open(file)
  onCleanup(() => db.close())
  return { db, file }
}

describe('honker tail', () => {
  it('prints notifications on a channel committed after it started, from another process, in order', async () => {
    const { db, file } = openDb()
    db.notify('orders', { before: true }) // no replay: never printed
    const tail = startCli(['tail', '--db', file, '--channel', 'orders', '--limit', '3'])
    await tail.waitForStderr('honker tail: following channel "orders"')
    db.transaction(() => {
      db.notify('orders', { id: 1, status: 'paid' })
      db.notify('other-channel', { ignored: true })
    })
    db.notify('orders', 'plain text')
    expect(() => db.transaction(() => {
      db.notify('orders', { rolledBack: true })
      throw new Error('rollback')
    })).toThrow('rollback')
    db.notify('orders', [3])
    expect(await tail.exited).toEqual({ code: 0, signal: null })
    expect(tail.messages).toEqual([
      { id: 2, channel: 'orders', payload: { id: 1, status: 'paid' }, createdAt: expect.any(Number) },
      { id: 4, channel: 'orders', payload: 'plain text', createdAt: expect.any(Number) },
      { id: 5, channel: 'orders', payload: [3], createdAt: expect.any(Number) }, // the rolled-back id is reused
    ])
  })

  it('follows a stream from its current end by default, and replays with --from', async () => {
    const { db, file } = openDb()
    const orders = db.stream('orders')
    orders.publish({ n: 1 }, { key: 'order-1' })
    orders.publish({ n: 2 })
    const fromEnd = startCli(['tail', '--db', file, '--stream', 'orders', '--limit', '1'])
    await fromEnd.waitForStderr('after offset 2')
    db.stream('audit').publish({ not: 'this topic' })
    const third = orders.publish({ n: 3 })
    expect((await fromEnd.exited).code).toBe(0)
    expect(fromEnd.messages).toEqual([{ offset: third, topic: 'orders', key: null, payload: { n: 3 }, createdAt: expect.any(Number) }])

    const replay = startCli(['tail', '--db', file, '--stream', 'orders', '--from', '0', '--limit', '3'])
    expect((await replay.exited).code).toBe(0)
    expect(replay.messages.map((m) => [m.offset, m.key, m.payload])).toEqual([
      [1, 'order-1', { n: 1 }],
      [2, null, { n: 2 }],
      [third, null, { n: 3 }],
    ])
    // Tailing without --consumer never saves an offset.
    expect(orders.getOffset('tail')).toBe(0)
  })

  it('with --consumer resumes from and saves that consumer\'s offset', async () => {
    const { db, file } = openDb()
    const orders = db.stream('orders')
    const offsets = [1, 2, 3, 4].map((n) => orders.publish({ n }))
    orders.saveOffset('audit-log', offsets[0]!)
    const first = startCli(['tail', '--db', file, '--stream', 'orders', '--consumer', 'audit-log', '--limit', '2'])
    expect((await first.exited).code).toBe(0)
    expect(first.messages.map((m) => m.offset)).toEqual([offsets[1], offsets[2]])
    expect(orders.getOffset('audit-log')).toBe(offsets[2])
    const second = startCli(['tail', '--db', file, '--stream', 'orders', '--consumer', 'audit-log'])
    await second.waitFor((m) => m.offset === offsets[3])
    const fifth = orders.publish({ n: 5 })
    await second.waitFor((m) => m.offset === fifth)
    second.process.kill('SIGTERM')
    expect((await second.exited).code).toBe(0)
    expect(second.messages.map((m) => m.offset)).toEqual([offsets[3], fifth])
    expect(orders.getOffset('audit-log')).toBe(fifth)
  })

  it('stops on SIGINT with exit 0', async () => {
    const { file } = openDb()
    const tail = startCli(['tail', '--db', file, '--channel', 'quiet'])
    await tail.waitForStderr('following channel')
    tail.process.kill('SIGINT')
    expect(await tail.exited).toEqual({ code: 0, signal: null })
    expect(tail.messages).toEqual([])
  })
})
