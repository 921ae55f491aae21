import { afterAll, describe, expect, it } from 'vitest'
import { startTestCluster } from '@honker/testkit/postgres'
import pg from 'pg'
import { open, type PgDatabase } from '../src/index.ts'
import { freshDatabase, testPool, until } from './support/pg.ts'


describe('wakes on PostgreSQL: one LISTEN connection, reconnects, no wake lost', () => {
  it('reconnects after pg_terminate_backend of the listener, and a job enqueued while deaf still runs', async () => {
    const db = await freshDatabase({ wake: { minBackoffMs: 50, maxBackoffMs: 200 } })
    const admin = testPool()
    const errors: Error[] = []
    db.onWakeError((error) => errors.push(error))
    const q = db.queue('deaf')
    const ran: number[] = []
    const worker = q.work((job) => void ran.push(job.id), { fallbackPollMs: 60_000 })
    await until(() => db.wakeState === 'listening')
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'honker-listen'`)
    await until(() => db.wakeState !== 'listening')
    const id = await q.enqueue('while deaf')
    await until(() => ran.includes(id))
    expect(db.wakeState).toBe('listening')
    expect(errors.length).toBeGreaterThanOrEqual(1)
    await worker.stop()
  })

  it('a delayed job and a lapsed claim run on their deadline, with no commit to wake anyone', async () => {
    const db = await freshDatabase()
    const q = db.queue('deadlines', { visibilityTimeoutS: 1 })
    const crashed = await q.enqueue('claimed by a worker that died')
    await q.claimOne('dead-worker') // never acked: reclaimable once claim_expires_at < now
    const delayed = await q.enqueue('in a second', { delayS: 1 })
    const ran: number[] = []
    const started = Date.now()
    const worker = q.work((job) => void ran.push(job.id), { fallbackPollMs: 60_000 })
    await until(() => ran.includes(crashed) && ran.includes(delayed), 6_000)
    expect(Date.now() - started).toBeLessThan(6_000) // the fallback poll is a minute away
    await worker.stop()
  })

  it("wake: 'poll' holds no LISTEN connection and still runs jobs on the fallback poll", async () => {
    const db = await freshDatabase({ wake: 'poll' })
    expect(db.wakeState).toBe('polling')
    const q = db.queue('polled')
    const ran: number[] = []
    const worker = q.work((job) => void ran.push(job.id), { fallbackPollMs: 100 })
    const id = await q.enqueue(1)
    await until(() => ran.includes(id), 5_000)
    await worker.stop()
  })

  it('holds no LISTEN connection while nothing listens, and one shared by every consumer when something does', async () => {
    const db = await freshDatabase()
    const admin = testPool()
    const listeners = async (): Promise<number> =>
      Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'honker-listen'`)).rows[0].n)
    const before = await listeners()
    const a = await db.listen('a')
    const b = await db.listen('b')
    const worker = db.queue('c').work(() => {})
    await until(() => db.wakeState === 'listening')
    expect(await listeners()).toBe(before + 1)
    a.close()
    b.close()
    await worker.stop()
    await until(async () => (await listeners()) === before)
  })
})

describe('a PostgreSQL restart', () => {
  const started = startTestCluster()
  afterAll(async () => (await started).stop())

  it('workers resume after pg_ctl restart, with only coded errors on the way', async () => {
    const cluster = await started
    const pool = new pg.Pool({ connectionString: cluster.url, max: 4 })
    pool.on('error', () => {})
    const db: PgDatabase = await open({ postgres: pool, wake: { minBackoffMs: 50, maxBackoffMs: 500 } })
    const q = db.queue('restart')
    const ran: number[] = []
    const errors: unknown[] = []
    const worker = q.work((job) => void ran.push(job.id), { fallbackPollMs: 1_000 })
    worker.on('worker:error', (error) => errors.push(error))
    const first = await q.enqueue(1)
    await until(() => ran.includes(first))
    cluster.restart()
    let second: number | undefined
    await until(async () => {
      try {
        second = await q.enqueue(2)
        return true
      } catch (error) {
        errors.push(error)
        return false
      }
    })
    await until(() => ran.includes(second!))
    await until(() => db.wakeState === 'listening')
    for (const error of errors) expect((error as { code?: string }).code).toMatch(/^(connection_lost|connection_failed)$/)
    await worker.stop()
    db.close()
    await pool.end()
  })
})
