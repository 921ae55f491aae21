import { describe, expect, it } from 'vitest'
import { codeOf, freshDatabase, testPool } from './support/pg.ts'

describe('queue on PostgreSQL', () => {
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

  it('claim() hands out jobs as they commit, sleeping between them, and gives back what it claimed but never handed out', async () => {
    const db = await freshDatabase()
    const other = await freshDatabase({ schema: db.schema, postgres: testPool() })
    const q = db.queue('iterated')
    const controller = new AbortController()
    const seen: unknown[] = []
    setTimeout(() => void other.queue('iterated').enqueueMany(['a', 'b', 'c']), 50)
    for await (const job of q.claim('w', { signal: controller.signal, batchSize: 3, fallbackPollMs: 60_000 })) {
      seen.push(job.payload)
      await job.ack()
      if (seen.length === 1) break // 'b' and 'c' were claimed in the same batch
    }
    expect(seen).toEqual(['a'])
    expect(await q.counts()).toEqual({ pending: 2, delayed: 0, processing: 0, dead: 0 })
  })
})

