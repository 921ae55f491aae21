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

})
