import { describe, expect, it } from 'vitest'
import { freshDatabase, testPool, until } from './support/pg.ts'


describe('worker on PostgreSQL (core runtime, Postgres storage)', () => {
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


  it('a running worker dead-letters a job whose last attempt lapsed (its worker died), at its next claim', async () => {
    const db = await freshDatabase()
    const q = db.queue('exhausted', { maxAttempts: 1, visibilityTimeoutS: 1 })
    const id = await q.enqueue('last attempt')
    await q.claimOne('died') // its only attempt, never finished
    const ran: number[] = []
    const worker = q.work((job) => void ran.push(job.id), { fallbackPollMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 2_200)) // the claim lapses (owned while claim_expires_at >= now)
    const next = await q.enqueue('wakes the worker: its claim runs the dead-letter step')
    await until(() => ran.includes(next))
    await until(async () => (await q.getJob(id))?.state === 'dead', 3_000)
    expect((await q.getJob(id))!.lastError).toBe('max attempts exceeded')
    expect(ran).not.toContain(id)
    await worker.stop()
  })
})
