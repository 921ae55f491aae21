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

  it("a worker's ack-and-claim commits with synchronous_commit off; other writes, the session and asyncWorkerCommits: false keep the server's setting", async () => {
    // The test cluster runs with synchronous_commit off; these sessions ask for it on.
    const sessionOn = { options: '-c synchronous_commit=on' }
    const pool = testPool(sessionOn)
    const db = await freshDatabase({ postgres: pool })
    // An AFTER DELETE trigger runs inside the acking transaction, after the whole statement: it
    // sees the setting that transaction commits with.
    await pool.query(`CREATE TABLE ${db.schema}.commit_probe (via text, setting text)`)
    await pool.query(`CREATE FUNCTION ${db.schema}.probe() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ${db.schema}.commit_probe VALUES (OLD.queue, current_setting('synchronous_commit')); RETURN OLD; END $$`)
    await pool.query(`CREATE TRIGGER probe AFTER DELETE ON ${db.schema}._honker_live FOR EACH ROW EXECUTE FUNCTION ${db.schema}.probe()`)
    const settings = async (queue: string): Promise<string[]> =>
      (await pool.query(`SELECT setting FROM ${db.schema}.commit_probe WHERE via = $1`, [queue])).rows.map((row) => row.setting)
    const drain = async (database: typeof db, queue: string, concurrency: number): Promise<void> => {
      const q = database.queue(queue)
      await q.enqueueMany([1, 2, 3, 4])
      let handled = 0
      const worker = q.work(() => void handled++, { concurrency })
      await until(() => handled === 4)
      await until(async () => (await settings(queue)).length === 4)
      await worker.stop()
    }
    await drain(db, 'c1', 1)
    await drain(db, 'c4', 4)
    expect(await settings('c1')).toEqual(['off', 'off', 'off', 'off'])
    expect(await settings('c4')).toEqual(['off', 'off', 'off', 'off'])
    // One statement's transaction only: every pooled session keeps its own setting.
    const sessions = await Promise.all([1, 2, 3].map(() => pool.connect()))
    for (const session of sessions) expect((await session.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on')
    for (const session of sessions) session.release()
    // claimOne + job.ack() is not a worker step.
    const manual = db.queue('manual')
    await manual.enqueue(1)
    expect(await (await manual.claimOne('me'))!.ack()).toBe(true)
    expect(await settings('manual')).toEqual(['on'])
    const durable = await freshDatabase({ schema: db.schema, postgres: testPool(sessionOn), migrate: false, asyncWorkerCommits: false })
    await drain(durable, 'durable', 1)
    expect(await settings('durable')).toEqual(['on', 'on', 'on', 'on'])
    await expect(freshDatabase({ asyncWorkerCommits: 'yes' as never })).rejects.toMatchObject({ code: 'invalid_argument' })
  })
})
