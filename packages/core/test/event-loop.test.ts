import { describe, expect, it } from 'vitest'
import { open, type Database } from '@honker/core'
import { onCleanup, tempDbPath } from './helpers.ts'

// With a backlog and a handler that finishes at once, every step of a consumer loop settles in the
// microtask queue. These tests check that timers still run while a backlog is handed out: a 1 ms
// interval must observe the consumer part-way through, neither before it started nor after it
// finished. (Before the fix the interval never fired until the whole backlog was gone.)

function fresh(): Database {
  const db = open(tempDbPath())
  onCleanup(() => db.close())
  return db
}

/** Run `drain` while a 1 ms interval samples `progress`; returns the samples taken mid-way. */
async function samplesDuring(total: number, progress: () => number, drain: () => Promise<void>): Promise<number[]> {
  const seen: number[] = []
  const interval = setInterval(() => seen.push(progress()), 1)
  try {
    await drain()
  } finally {
    clearInterval(interval)
  }
  return seen.filter((count) => count > 0 && count < total)
}

const BACKLOG = 4000

describe('consumers with a backlog let the event loop run', () => {
  it('queue.work(handler)', async () => {
    const db = fresh()
    const q = db.queue('q')
    q.enqueueMany(Array.from({ length: BACKLOG }, (_, n) => ({ n })))
    let handled = 0
    const midway = await samplesDuring(BACKLOG, () => handled, async () => {
      const worker = q.work(() => void handled++, { fallbackPollMs: null })
      await new Promise<void>((resolve) => worker.on('job:completed', () => worker.stats.completed === BACKLOG && resolve()))
      await worker.stop()
    })
    expect(handled).toBe(BACKLOG)
    expect(midway.length).toBeGreaterThan(0)
  })

  it('queue.claim(workerId)', async () => {
    const db = fresh()
    const q = db.queue('q')
    q.enqueueMany(Array.from({ length: BACKLOG }, (_, n) => ({ n })))
    let handled = 0
    const midway = await samplesDuring(BACKLOG, () => handled, async () => {
      for await (const job of q.claim('w1')) {
        job.ack()
        if (++handled === BACKLOG) break
      }
    })
    expect(midway.length).toBeGreaterThan(0)
  })

  it('stream(topic).subscribe() replaying a long topic', async () => {
    const db = fresh()
    const stream = db.stream('events')
    const total = 50_000
    db.transaction(() => {
      for (let n = 0; n < total; n++) stream.publish({ n })
    })
    let handled = 0
    const midway = await samplesDuring(total, () => handled, async () => {
      for await (const event of stream.subscribe({ consumer: 'c1' })) {
        void event
        if (++handled === total) break
      }
    })
    expect(midway.length).toBeGreaterThan(0)
  })

  it('listen(channel) catching up on a burst', async () => {
    const db = fresh()
    const total = 50_000
    const listener = db.listen('burst')
    db.transaction(() => {
      for (let n = 0; n < total; n++) db.notify('burst', { n })
    })
    let handled = 0
    const midway = await samplesDuring(total, () => handled, async () => {
      for await (const notification of listener) {
        void notification
        if (++handled === total) break
      }
    })
    expect(midway.length).toBeGreaterThan(0)
  })
})
