import { describe, expect, it } from 'vitest'
import { RetryLaterError, UnrecoverableError } from '@honker/core'
import { freshDatabase, testPool } from './support/pg.ts'

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('worker on PostgreSQL (core runtime, Postgres storage)', () => {
  it('runs jobs, retries, dead-letters and saves results', async () => {
    const db = await freshDatabase()
    const q = db.queue<{ n: number }>('w', { maxAttempts: 2 })
    const done: number[] = []
    const worker = q.work(
      async (job) => {
        if (job.payload.n === 2 && job.attempts === 1) throw new RetryLaterError(0)
        if (job.payload.n === 3) throw new UnrecoverableError('never')
        done.push(job.payload.n)
        return { doubled: job.payload.n * 2 }
      },
      { concurrency: 4, results: { ttlS: 60 } },
    )
    const errors: unknown[] = []
    worker.on('worker:error', (error) => errors.push(error))
    const [one, two, three] = await q.enqueueMany([{ n: 1 }, { n: 2 }, { n: 3 }])
    expect(await db.waitResult(one!, { timeoutMs: 10_000 })).toEqual({ doubled: 2 })
    expect(await db.waitResult(two!, { timeoutMs: 10_000 })).toEqual({ doubled: 4 })
    await until(async () => (await q.getJob(three!))?.state === 'dead')
    await worker.stop()
    expect(errors).toEqual([])
    expect(done.sort()).toEqual([1, 2])
    expect(worker.stats).toMatchObject({ completed: 2, retried: 1, dead: 1 })
    expect(await q.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 1 })
  })

  it('wakes an idle worker within the enqueue commit, through LISTEN', async () => {
    const db = await freshDatabase()
    const writer = await freshDatabase({ schema: db.schema, postgres: testPool() })
    const q = db.queue('wake')
    const ran: number[] = []
    const worker = q.work((job) => void ran.push(Date.now() - (job.payload as number)), { fallbackPollMs: 60_000 })
    await until(() => db.wakeState === 'listening')
    await new Promise((resolve) => setTimeout(resolve, 100)) // the worker is asleep now
    await writer.queue('wake').enqueue(Date.now())
    await until(() => ran.length === 1, 5_000)
    expect(ran[0]!).toBeLessThan(2_000) // far below the 60 s fallback poll: the NOTIFY woke it
    await worker.stop()
  })

  it('drains on stop: a running job finishes and is acked before done settles', async () => {
    const db = await freshDatabase()
    const q = db.queue('drain')
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const worker = q.work(() => gate)
    const id = await q.enqueue(1)
    await until(async () => (await q.getJob(id))?.state === 'processing')
    const stopped = worker.stop()
    setTimeout(release, 50)
    await stopped
    expect(await q.getJob(id)).toBeNull()
  })
})
