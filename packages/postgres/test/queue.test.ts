import { describe, expect, it } from 'vitest'
import { codeOf, freshDatabase, manualClock, testPool } from './support/pg.ts'

describe('queue on PostgreSQL', () => {
  it('enqueues, claims in priority, run_at, id order, and acks', async () => {
    const db = await freshDatabase()
    const q = db.queue<{ n: number }>('emails')
    const low = await q.enqueue({ n: 1 })
    const high = await q.enqueue({ n: 2 }, { priority: 5 })
    const ids = await q.enqueueMany([{ n: 3 }, { n: 4 }])
    expect(ids).toEqual([ids[0], ids[0]! + 1])
    expect(await q.counts()).toEqual({ pending: 4, delayed: 0, processing: 0, dead: 0 })
    const batch = await q.claimBatch('w1', 3)
    expect(batch.map((job) => job.id)).toEqual([high, low, ids[0]])
    expect(batch[0]!.payload).toEqual({ n: 2 })
    expect(batch[0]!.attempts).toBe(1)
    expect(await batch[0]!.ack()).toBe(true)
    expect(await batch[0]!.ack()).toBe(false)
    expect(await q.ackBatch(batch.slice(1), 'w1')).toBe(2)
    expect(await q.counts()).toEqual({ pending: 1, delayed: 0, processing: 0, dead: 0 })
  })

  it('delays, retries with a delay and dead-letters the last attempt', async () => {
    const clock = manualClock()
    const db = await freshDatabase({ clock })
    const q = db.queue('work', { maxAttempts: 2 })
    const id = await q.enqueue('x', { delayS: 10 })
    expect(await q.claimOne('w')).toBeNull()
    expect(await q.nextClaimAt()).toBe(1_900_000_010)
    clock.advance(10)
    const first = (await q.claimOne('w'))!
    expect(first.id).toBe(id)
    expect(await first.retry({ delayS: 5, error: 'boom' })).toBe(true)
    expect((await q.getJob(id))!.state).toBe('pending')
    clock.advance(5)
    const second = (await q.claimOne('w'))!
    expect(second.attempts).toBe(2)
    expect(second.isLastAttempt).toBe(true)
    expect(await second.retry({ error: new TypeError('bad') })).toBe(true)
    const dead = (await q.getJob(id))!
    expect(dead.state).toBe('dead')
    expect(dead.lastError).toBe('TypeError: bad')
    expect(await q.dead.count()).toBe(1)
    expect(await q.dead.retry([id])).toEqual([id])
    const revived = (await q.claimOne('w'))!
    expect(revived.id).toBe(id)
    expect(revived.attempts).toBe(1)
  })

  it('reclaims a lapsed claim, and the first owner can no longer ack', async () => {
    const clock = manualClock()
    const db = await freshDatabase({ clock })
    const q = db.queue('vt', { visibilityTimeoutS: 30 })
    await q.enqueue(1)
    const a = (await q.claimOne('a'))!
    expect(await q.claimOne('b')).toBeNull()
    clock.advance(30)
    expect(await q.claimOne('b')).toBeNull() // owned while claim_expires_at >= now
    clock.advance(1)
    const b = (await q.claimOne('b'))!
    expect(b.attempts).toBe(2)
    expect(await a.ack()).toBe(false)
    expect(await a.heartbeat()).toBe(false)
    expect(await b.heartbeat(100)).toBe(true)
    expect(b.claimExpiresAt).toBe(1_900_000_031 + 100)
    expect(await b.release()).toBe(true)
    const again = (await q.claimOne('c'))!
    expect(again.attempts).toBe(2) // the released attempt was not counted
  })

  it('dead-letters an exhausted job whose worker died on its last attempt, before claiming', async () => {
    const clock = manualClock()
    const db = await freshDatabase({ clock })
    const q = db.queue('crash', { maxAttempts: 1, visibilityTimeoutS: 5 })
    const id = await q.enqueue('x')
    expect((await q.claimOne('w'))!.id).toBe(id)
    clock.advance(6)
    expect(await q.claimOne('w')).toBeNull()
    const dead = (await q.getJob(id))!
    expect(dead.state).toBe('dead')
    expect(dead.lastError).toBe('max attempts exceeded')
  })

  it('expires jobs, cancels, lists and releases claims', async () => {
    const clock = manualClock()
    const db = await freshDatabase({ clock })
    const q = db.queue('misc')
    const expiring = await q.enqueue('e', { expiresS: 5 })
    const cancelled = await q.enqueue('c')
    const claimed = await q.enqueue('p', { priority: -1 })
    expect(await q.cancel(cancelled)).toBe(true)
    expect(await q.cancel(cancelled)).toBe(false)
    clock.advance(5)
    expect(await q.sweepExpired()).toBe(1)
    expect((await q.getJob(expiring))!.lastError).toBe('expired')
    const job = (await q.claimOne('w'))!
    expect(job.id).toBe(claimed)
    expect((await q.listJobs({ state: 'processing' })).map((info) => info.id)).toEqual([claimed])
    const kept = await q.releaseClaims()
    expect(kept).toEqual({ released: [], live: [expect.objectContaining({ id: claimed, workerId: 'w' })] })
    expect((await q.releaseClaims({ force: true })).released).toEqual([claimed])
    expect((await q.listJobs()).map((info) => [info.id, info.state])).toEqual([[claimed, 'pending']])
  })

  it('never hands one job to two claimers at once (8 connections racing)', async () => {
    const db = await freshDatabase({ postgres: testPool({ max: 8 }) })
    const q = db.queue('race')
    const ids = await q.enqueueMany(Array.from({ length: 400 }, (_, i) => i))
    const seen: number[] = []
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (;;) {
          const batch = await q.claimBatch(`w${w}`, 7)
          if (batch.length === 0) return
          seen.push(...batch.map((job) => job.id))
          await q.ackBatch(batch, `w${w}`)
        }
      }),
    )
    expect(seen.sort((a, b) => a - b)).toEqual(ids)
  })

  it('commits a job with the app write, or neither', async () => {
    const db = await freshDatabase()
    const pool = testPool()
    await pool.query('CREATE TABLE IF NOT EXISTS orders_q (id int primary key)')
    const q = db.queue('tx')
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO orders_q VALUES ($1)', [1])
      await q.enqueue({ order: 1 }, { tx })
    })
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO orders_q VALUES ($1)', [2])
        await q.enqueue({ order: 2 }, { tx })
        throw new Error('rollback')
      }),
    ).rejects.toThrow('rollback')
    expect((await pool.query('SELECT id FROM orders_q ORDER BY id')).rows).toEqual([{ id: 1 }])
    expect((await q.counts()).pending).toBe(1)
    let kept: unknown
    await db.transaction((tx) => {
      kept = tx
    })
    expect(await codeOf(q.enqueue(1, { tx: kept as never }))).toBe('transaction_closed')
  })

  it('refuses bad input with coded errors and writes nothing', async () => {
    const db = await freshDatabase()
    const other = await freshDatabase()
    const q = db.queue('bad')
    expect(await codeOf(() => q.enqueue(1, { runAt: Date.now() + 60_000 }))).toBe('invalid_argument')
    expect(await codeOf(() => q.enqueue(() => 1))).toBe('invalid_payload')
    expect(await codeOf(q.enqueue('x'.repeat(17 * 1024 * 1024)))).toBe('payload_too_large')
    await other.transaction(async (tx) => {
      expect(await codeOf(() => q.enqueue(1, { tx }))).toBe('engine_mismatch')
    })
    expect(await codeOf(() => q.enqueue(1, { tx: {} as never }))).toBe('engine_mismatch')
    expect((await q.counts()).pending).toBe(0)
  })
})
