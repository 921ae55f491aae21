import { describe, expect, it } from 'vitest'
import { manualClock, type AnyDatabase, type EngineHarness } from './harness.ts'

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run()
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? code : `uncoded: ${(error as Error).message}`
  }
  return 'no error'
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const ids = (jobs: { id: number }[]): number[] => jobs.map((job) => job.id)

/**
 * One behaviour suite for every engine and driver (River's riverdrivertest, Oban's engine tests):
 * the public API only, each check on a fresh database. A check an engine cannot pass is listed in
 * `harness.gaps` with its reason and asserted to fail, so a gap that closes is noticed.
 */
export function defineBehaviourSuite(harness: EngineHarness): void {
  const check = (name: string, body: () => Promise<void>): void => {
    const gap = harness.gaps?.[name]
    if (gap === undefined) it(name, body)
    else it(`${name} [gap: ${gap}]`, async () => expect(await codeOf(body)).not.toBe('no error'))
  }
  const fresh = (clock?: ReturnType<typeof manualClock>): Promise<AnyDatabase> => harness.open(clock ? { clock } : {})

  describe(`behaviour suite: ${harness.name}`, () => {
    describe('queue', () => {
      check('claims in priority, run_at, id order; ack is honest', async () => {
        const db = await fresh()
        const q = db.queue('order')
        const low = await q.enqueue({ n: 1 })
        const high = await q.enqueue({ n: 2 }, { priority: 5 })
        const many: number[] = await q.enqueueMany([{ n: 3 }, { n: 4 }])
        expect(many[1]).toBe(many[0]! + 1)
        const batch = await q.claimBatch('w', 3)
        expect(ids(batch)).toEqual([high, low, many[0]])
        expect(batch[0].payload).toEqual({ n: 2 })
        expect(batch[0].attempts).toBe(1)
        expect(await batch[0].ack()).toBe(true)
        expect(await batch[0].ack()).toBe(false)
        expect(await q.ackBatch(batch.slice(1), 'w')).toBe(2)
        expect({ ...(await q.counts()) }).toEqual({ pending: 1, delayed: 0, processing: 0, dead: 0 })
      })

      check('delays, retries and dead-letters the last attempt; dead letters revive under the same id', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const q = db.queue('retry', { maxAttempts: 2 })
        const id = await q.enqueue('x', { delayS: 10 })
        expect(await q.claimOne('w')).toBeNull()
        expect(await q.nextClaimAt()).toBe(1_900_000_010)
        clock.advance(10)
        const first = await q.claimOne('w')
        expect(first.id).toBe(id)
        expect(await first.retry({ delayS: 5, error: 'boom' })).toBe(true)
        expect((await q.getJob(id)).state).toBe('pending')
        clock.advance(5)
        const second = await q.claimOne('w')
        expect([second.attempts, second.isLastAttempt]).toEqual([2, true])
        expect(await second.retry({ error: new TypeError('bad') })).toBe(true)
        const dead = await q.getJob(id)
        expect([dead.state, dead.lastError]).toEqual(['dead', 'TypeError: bad'])
        expect(await q.dead.count()).toBe(1)
        expect(ids(await q.dead.list())).toEqual([id])
        expect(await q.dead.retry([id])).toEqual([id])
        const revived = await q.claimOne('w')
        expect([revived.id, revived.attempts]).toEqual([id, 1])
        expect(await revived.fail('for good')).toBe(true)
        expect(await q.dead.deleteAll()).toEqual([id])
      })

      check('a lapsed claim is reclaimed; the first owner can no longer ack or heartbeat', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const q = db.queue('vt', { visibilityTimeoutS: 30 })
        await q.enqueue(1)
        const a = await q.claimOne('a')
        clock.advance(30)
        expect(await q.claimOne('b')).toBeNull() // owned while claim_expires_at >= now
        clock.advance(1)
        const b = await q.claimOne('b')
        expect(b.attempts).toBe(2)
        expect(await a.ack()).toBe(false)
        expect(await a.heartbeat()).toBe(false)
        expect(await b.heartbeat(100)).toBe(true)
        expect(b.claimExpiresAt).toBe(1_900_000_131)
        expect(await b.release()).toBe(true)
        expect((await q.claimOne('c')).attempts).toBe(2) // the released attempt was not counted
      })

      check('an exhausted job whose worker died is dead-lettered before the next claim', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const q = db.queue('crash', { maxAttempts: 1, visibilityTimeoutS: 5 })
        const id = await q.enqueue('x')
        await q.claimOne('w')
        clock.advance(6)
        expect(await q.claimOne('w')).toBeNull()
        const dead = await q.getJob(id)
        expect([dead.state, dead.lastError]).toEqual(['dead', 'max attempts exceeded'])
      })

      check('expires, cancels, lists and releases claims', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const q = db.queue('misc')
        const expiring = await q.enqueue('e', { expiresS: 5 })
        const cancelled = await q.enqueue('c')
        const claimed = await q.enqueue('p', { priority: -1 })
        expect(await q.cancel(cancelled)).toBe(true)
        expect(await q.cancel(cancelled)).toBe(false)
        expect(await q.getJob(cancelled)).toBeNull()
        clock.advance(5)
        expect(await q.sweepExpired()).toBe(1)
        expect((await q.getJob(expiring)).lastError).toBe('expired')
        expect((await q.claimOne('w')).id).toBe(claimed)
        expect(ids(await q.listJobs({ state: 'processing' }))).toEqual([claimed])
        const kept = await q.releaseClaims()
        expect([kept.released, ids(kept.live)]).toEqual([[], [claimed]])
        expect((await q.releaseClaims({ force: true })).released).toEqual([claimed])
        expect((await db.listJobs({ queue: 'misc' })).map((job: { id: number; state: string }) => [job.id, job.state])).toEqual([[claimed, 'pending']])
      })

      check('a job commits with the transaction or not at all', async () => {
        const db = await fresh()
        const q = db.queue('tx')
        await harness.inTransaction(db, [(tx) => q.enqueue(1, { tx })])
        await expect(harness.inTransaction(db, [(tx) => q.enqueue(2, { tx })], true)).rejects.toThrow()
        expect((await q.counts()).pending).toBe(1)
        expect((await q.claimOne('w')).payload).toBe(1)
      })

      check('bad input is a coded error and writes nothing', async () => {
        const db = await fresh()
        const q = db.queue('bad')
        expect(await codeOf(() => q.enqueue(1, { runAt: Date.now() + 60_000 }))).toBe('invalid_argument')
        expect(await codeOf(() => q.enqueue(1, { priority: 1.5 }))).toBe('invalid_argument')
        expect(await codeOf(() => q.enqueue(() => 1))).toBe('invalid_payload')
        expect(await codeOf(() => q.enqueue('x'.repeat(17 * 1024 * 1024)))).toBe('payload_too_large')
        expect(await codeOf(() => q.enqueue(1, { tx: {} }))).not.toBe('no error')
        expect(await codeOf(() => db.queue(''))).toBe('invalid_argument')
        expect((await q.counts()).pending).toBe(0)
      })
    })

    describe('queue features', () => {
      check('unique jobs: one live job per key and queue; the key frees on ack, dead letter, cancel and expiry', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const q = db.queue('unique', { maxAttempts: 1 })
        const first = await q.enqueue({ n: 1 }, { uniqueKey: 'invoice-42' })
        expect(first).toEqual({ id: expect.any(Number), created: true })
        expect(await q.enqueue({ n: 2 }, { uniqueKey: 'invoice-42', priority: 9 })).toEqual({ id: first.id, created: false })
        expect(await db.queue('other').enqueue(1, { uniqueKey: 'invoice-42' })).toMatchObject({ created: true })
        expect((await q.counts()).pending).toBe(1)
        // Held while processing; free once acked.
        const job = await q.claimOne('w')
        expect(await q.enqueue(3, { uniqueKey: 'invoice-42' })).toEqual({ id: first.id, created: false })
        expect(await job.ack()).toBe(true)
        const second = await q.enqueue(4, { uniqueKey: 'invoice-42' })
        expect(second.created).toBe(true)
        expect(second.id).not.toBe(first.id)
        // Free once dead-lettered, and once cancelled.
        expect(await (await q.claimOne('w')).fail('no')).toBe(true)
        const third = await q.enqueue(5, { uniqueKey: 'invoice-42' })
        expect(third.created).toBe(true)
        expect(await q.cancel(third.id)).toBe(true)
        // An expired holder never blocks its key: it goes to the dead letters first.
        const expiring = await q.enqueue(6, { uniqueKey: 'invoice-42', expiresS: 5 })
        clock.advance(10)
        const fresh2 = await q.enqueue(7, { uniqueKey: 'invoice-42' })
        expect(fresh2.created).toBe(true)
        expect(await q.getJob(expiring.id)).toMatchObject({ state: 'dead', lastError: 'expired' })
        // Plain jobs are unaffected by keys.
        expect(typeof (await q.enqueue(8))).toBe('number')
      })

      check('unique jobs inside a transaction: a rolled-back holder frees its key', async () => {
        const db = await fresh()
        const q = db.queue('unique-tx')
        await expect(harness.inTransaction(db, [(tx) => q.enqueue(1, { tx, uniqueKey: 'k' })], true)).rejects.toThrow()
        const [inside] = (await harness.inTransaction(db, [(tx) => q.enqueue(2, { tx, uniqueKey: 'k' })])) as { created: boolean; id: number }[]
        expect(inside!.created).toBe(true)
        expect(await q.enqueue(3, { uniqueKey: 'k' })).toEqual({ id: inside!.id, created: false })
      })

      check('pause and resume: a paused queue hands out no claims, running jobs finish, a sleeping worker wakes on resume', async () => {
        const db = await fresh()
        const q = db.queue('pausable')
        const running = await (async () => {
          await q.enqueue('before')
          return q.claimOne('w')
        })()
        await q.pause()
        expect(await q.isPaused()).toBe(true)
        expect(await db.queue('pausable').isPaused()).toBe(true) // stored, not per object
        const id = await q.enqueue('while paused') // enqueueing still works
        expect(await q.claimOne('w')).toBeNull()
        expect(await q.nextClaimAt()).toBeNull()
        expect(await running.ack()).toBe(true) // a running job finishes
        const ran: number[] = []
        // No fallback poll: only the resume's wake can start the job.
        const worker = q.work((job: { id: number }) => void ran.push(job.id), { fallbackPollMs: null })
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(ran).toEqual([])
        await q.resume()
        await until(() => ran.length === 1)
        await worker.stop()
        expect(ran).toEqual([id])
        expect(await q.settings()).toMatchObject({ paused: false, concurrency: null, groupConcurrency: null })
      })

      check('a concurrency limit holds across workers; a finished job frees its slot', async () => {
        const db = await fresh()
        const q = db.queue('limited')
        await q.setConcurrency(2)
        await q.enqueueMany([1, 2, 3, 4, 5])
        const first = await q.claimBatch('w1', 5)
        expect(first).toHaveLength(2)
        expect(await q.claimOne('w2')).toBeNull()
        expect(await first[0].ack()).toBe(true)
        expect(await q.claimBatch('w2', 5)).toHaveLength(1)
        await q.setConcurrency(null)
        expect(await q.claimBatch('w3', 5)).toHaveLength(2)
        expect(await q.settings()).toMatchObject({ paused: false, concurrency: null, groupConcurrency: null })

        // Two workers of concurrency 3 on a limit of 2: never more than 2 handlers at once.
        const busy = db.queue('limited-workers')
        await busy.setConcurrency(2)
        await busy.enqueueMany(Array.from({ length: 12 }, (_, i) => i))
        let now = 0
        let most = 0
        let done = 0
        const handler = async () => {
          most = Math.max(most, ++now)
          await new Promise((resolve) => setTimeout(resolve, 15))
          now--
          done++
        }
        const workers = [busy.work(handler, { concurrency: 3 }), busy.work(handler, { concurrency: 3 })]
        await until(() => done === 12)
        await Promise.all(workers.map((worker) => worker.stop()))
        expect(most).toBe(2)
      })

      check('group limits interleave groups: one group\'s backlog cannot starve another\'s one job', async () => {
        const db = await fresh()
        const q = db.queue('fair')
        await q.setGroupConcurrency(1)
        await q.enqueueMany(Array.from({ length: 50 }, (_, i) => `big-${i}`), { group: 'big' })
        await q.enqueue('small', { group: 'small' })
        await q.enqueue('ungrouped')
        const batch = await q.claimBatch('w', 10)
        // One job per group (jobs without a group are a group of their own), in claim order.
        expect(batch.map((job: { payload: string }) => job.payload).sort()).toEqual(['big-0', 'small', 'ungrouped'])
        expect(await q.claimBatch('w', 10)).toEqual([])
        // The big group's slot frees: its next job, and nothing of the groups still at their limit.
        expect(await batch.find((job: { payload: string }) => job.payload === 'big-0').ack()).toBe(true)
        expect((await q.claimBatch('w', 10)).map((job: { payload: string }) => job.payload)).toEqual(['big-1'])
        // With a global limit too, both hold: 3 running of a limit of 3.
        expect(await (await q.claimBatch('w', 1))).toEqual([])
        await q.setGroupConcurrency(2)
        await q.setConcurrency(4)
        expect((await q.claimBatch('w', 10)).map((job: { payload: string }) => job.payload)).toEqual(['big-2'])
        await q.setConcurrency(3)
        expect(await q.settings()).toMatchObject({ paused: false, concurrency: 3, groupConcurrency: 2 })
      })

      check('limits refuse bad values with invalid_argument and change nothing', async () => {
        const db = await fresh()
        const q = db.queue('limits-bad')
        await q.setConcurrency(4)
        for (const bad of [0, -1, 1.5, '2', Number.NaN, undefined]) {
          expect(await codeOf(() => q.setConcurrency(bad))).toBe('invalid_argument')
          expect(await codeOf(() => q.setGroupConcurrency(bad))).toBe('invalid_argument')
        }
        expect(await q.settings()).toMatchObject({ paused: false, concurrency: 4, groupConcurrency: null })
      })

      check('progress: JSON readable by getJob in any process, throttled, refused when not JSON or not owned', async () => {
        const db = await fresh()
        const q = db.queue('progress')
        const id = await q.enqueue(1, { uniqueKey: 'p-1', group: 'g' })
        expect(await q.getJob(id.id)).toMatchObject({ progress: null, uniqueKey: 'p-1', group: 'g' })
        const job = await q.claimOne('w')
        expect(await job.progress({ done: 1, of: 100 })).toBe(true)
        expect((await q.getJob(job.id)).progress).toEqual({ done: 1, of: 100 })
        // Within the interval every call is accepted, and only the latest value is written, later.
        for (let done = 2; done <= 100; done++) expect(await job.progress({ done, of: 100 })).toBe(true)
        expect((await q.getJob(job.id)).progress.done).toBeLessThan(100)
        await until(async () => (await q.getJob(job.id)).progress.done === 100)
        expect(await codeOf(() => job.progress(10n))).toBe('invalid_payload')
        expect(await codeOf(() => job.progress(() => 1))).toBe('invalid_payload')
        expect(await job.ack()).toBe(true)
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(await job.progress('too late')).toBe(false)
      })

      check('history: kept completed jobs with result and progress, keyset pages by state, pruned by count and age', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const q = db.queue('kept', { maxAttempts: 1 })
        await q.setHistory({ keepCompleted: { maxCount: 3 } })
        const kept: number[] = await q.enqueueMany([1, 2, 3, 4, 5])
        for (let i = 0; i < kept.length; i++) {
          const job = await q.claimOne('w')
          if (i === 0) await job.progress({ half: true })
          expect(await job.ack()).toBe(true)
        }
        expect(await q.getJob(kept[0])).toMatchObject({ state: 'completed', attempts: 1, finishedAt: 1_900_000_000, progress: { half: true } })
        const first = await q.jobs({ state: 'completed', limit: 2 })
        expect(ids(first)).toEqual(kept.slice(0, 2))
        expect(ids(await q.jobs({ state: 'completed', after: first[1].id }))).toEqual(kept.slice(2))
        // A worker's saved result is kept with the job.
        const withResult = await q.enqueue(6)
        const worker = q.work(async (job: { payload: number }) => ({ doubled: job.payload * 2 }), { results: true })
        await until(async () => (await q.getJob(withResult))?.state === 'completed')
        await worker.stop()
        expect((await q.getJob(withResult)).result).toEqual({ doubled: 12 })
        // The sweep prunes past the bounds: the newest 3 by count, then by age.
        await q.sweepExpired()
        expect(ids(await q.jobs({ state: 'completed' }))).toEqual([kept[3], kept[4], withResult])
        await q.setHistory({ keepCompleted: { maxAgeS: 60 } })
        clock.advance(61)
        await q.sweepExpired()
        expect(await q.jobs({ state: 'completed' })).toEqual([])
        // Failed jobs are the dead letters, bounded by keepFailed.
        await q.setHistory({ keepFailed: { maxCount: 1 } })
        for (const payload of ['a', 'b']) {
          await q.enqueue(payload)
          expect(await (await q.claimOne('w')).fail('no')).toBe(true)
        }
        await q.sweepExpired()
        expect((await q.jobs({ state: 'dead' })).map((job: { payloadText: string }) => job.payloadText)).toEqual(['"b"'])
        expect(await q.settings()).toMatchObject({ keepCompleted: { maxAgeS: 60, maxCount: null }, keepFailed: { maxAgeS: null, maxCount: 1 } })
        // Off again: an acked job leaves no trace, as in honker.
        await q.setHistory({ keepCompleted: null })
        const gone = await q.enqueue(7)
        expect(await (await q.claimOne('w')).ack()).toBe(true)
        expect(await q.getJob(gone)).toBeNull()
        for (const bad of [{}, { maxAgeS: 0 }, { maxCount: 1.5 }, 'forever', []]) {
          expect(await codeOf(() => q.setHistory({ keepCompleted: bad }))).toBe('invalid_argument')
        }
        expect(await codeOf(() => q.jobs({ state: 'finished' }))).toBe('invalid_argument')
        expect(await codeOf(() => q.jobs({ after: -1 }))).toBe('invalid_argument')
        expect(await codeOf(() => q.setEvents('yes'))).toBe('invalid_argument')
      })

      check('events: progress, completed, retried, failed, stalled and dead, in commit order, for queues that record them', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const q = db.queue('watched', { maxAttempts: 2, visibilityTimeoutS: 10 })
        await q.setEvents(true)
        const seen: { kind: string; jobId: number; data: Record<string, unknown> }[] = []
        const controller = new AbortController()
        const reading = (async () => {
          for await (const event of q.events({ signal: controller.signal, after: 0 })) seen.push(event)
        })()
        const a = await q.enqueue('a')
        const ja = await q.claimOne('w')
        await ja.progress({ step: 1 })
        await ja.ack()
        const b = await q.enqueue('b')
        await (await q.claimOne('w')).retry({ delayS: 0, error: 'boom' })
        await (await q.claimOne('w')).fail('bad')
        const c = await q.enqueue('c')
        await q.claimOne('w')
        clock.advance(11)
        expect((await q.claimOne('w2')).id).toBe(c) // the first claim expired: stalled
        const d = await q.enqueue('d', { expiresS: 5 })
        clock.advance(6)
        expect(await q.sweepExpired()).toBe(1)
        await until(() => seen.length >= 6)
        expect(seen.map((event) => [event.kind, event.jobId])).toEqual([
          ['progress', a], ['completed', a], ['retried', b], ['failed', b], ['stalled', c], ['dead', d],
        ])
        expect(seen[0]!.data).toEqual({ progress: { step: 1 } })
        expect(seen[2]!.data).toMatchObject({ error: 'boom' })
        expect(seen[3]!.data).toMatchObject({ error: 'bad', attempts: 2 })
        expect(seen[4]!.data).toMatchObject({ workerId: 'w' })
        expect(seen[5]!.data).toMatchObject({ reason: 'expired' })
        // Off: nothing more is recorded.
        await q.setEvents(false)
        await q.enqueue('e')
        await (await q.claimOne('w')).ack()
        await new Promise((resolve) => setTimeout(resolve, 200))
        controller.abort()
        await reading
        expect(seen).toHaveLength(6)
      })

      check('unique keys and groups refuse bad input with invalid_argument and write nothing', async () => {
        const db = await fresh()
        const q = db.queue('unique-bad')
        expect(await codeOf(() => q.enqueue(1, { uniqueKey: '' }))).toBe('invalid_argument')
        expect(await codeOf(() => q.enqueue(1, { uniqueKey: 42 }))).toBe('invalid_argument')
        expect(await codeOf(() => q.enqueue(1, { group: '' }))).toBe('invalid_argument')
        expect(await codeOf(() => q.enqueue(1, { group: {} }))).toBe('invalid_argument')
        expect(await codeOf(() => q.enqueueMany([1, 2], { uniqueKey: 'k' }))).toBe('invalid_argument')
        expect({ ...(await q.counts()) }).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
        expect(await q.enqueueMany([1, 2], { group: 'tenant-1' })).toHaveLength(2)
      })
    })

    describe('worker', () => {
      check('runs, retries, dead-letters and saves results', async () => {
        const db = await fresh()
        const q = db.queue('work', { maxAttempts: 2 })
        const errors: unknown[] = []
        const worker = q.work(
          async (job: { payload: { n: number }; attempts: number }) => {
            if (job.payload.n === 2 && job.attempts === 1) throw new Error('once')
            if (job.payload.n === 3) throw new Error('always')
            return { doubled: job.payload.n * 2 }
          },
          { concurrency: 4, results: { ttlS: 60 }, backoff: { baseS: 0, maxS: 0 } },
        )
        worker.on('worker:error', (error: unknown) => errors.push(error))
        const [one, two, three] = await q.enqueueMany([{ n: 1 }, { n: 2 }, { n: 3 }])
        expect(await db.waitResult(one, { timeoutMs: 10_000 })).toEqual({ doubled: 2 })
        expect(await db.waitResult(two, { timeoutMs: 10_000 })).toEqual({ doubled: 4 })
        await until(async () => (await q.getJob(three))?.state === 'dead')
        await worker.stop()
        expect(errors).toEqual([])
        expect(worker.stats).toMatchObject({ completed: 2, retried: 2, dead: 1 })
      })

      check('stop drains: a running job finishes before done settles', async () => {
        const db = await fresh()
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

      check('timeoutMs: an attempt that runs too long has its signal aborted and fails with a timeout (retried, then dead); bad values are refused', async () => {
        const db = await fresh()
        const q = db.queue('slow', { maxAttempts: 2 })
        for (const timeoutMs of [0, -1, Number.NaN, '50']) {
          expect(await codeOf(() => q.work(() => undefined, { timeoutMs }))).toBe('invalid_argument')
        }
        const slow = await q.enqueue('slow')
        const fast = await q.enqueue('fast')
        const reasons: string[] = []
        const finished: string[] = []
        const worker = q.work(
          async (job: { payload: string }, { signal }: { signal: AbortSignal }) => {
            if (job.payload === 'fast') return finished.push('fast')
            // Ignores nothing: waits for its signal, then returns normally, which must not count as done.
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
            reasons.push((signal.reason as { code: string }).code)
          },
          { timeoutMs: 100, backoff: { baseS: 0, maxS: 0 } },
        )
        await until(async () => (await q.getJob(slow))?.state === 'dead')
        await until(async () => (await q.getJob(fast)) === null)
        await worker.stop()
        const dead = await q.getJob(slow)
        expect(dead.attempts).toBe(2)
        expect(dead.lastError).toMatch(/^JobTimeoutError: timeout/)
        expect(reasons).toEqual(['timeout', 'timeout'])
        expect(finished).toEqual(['fast'])
        expect(worker.stats).toMatchObject({ completed: 1, retried: 1, dead: 1 })
      })
    })

    describe('outbox', () => {
      check('delivers what committed, retries with backoff, and dead-letters the rest', async () => {
        const db = await fresh()
        const delivered: unknown[] = []
        const outbox = db.outbox(
          'mail',
          async (payload: string) => {
            if (payload === 'bad') throw new Error('nope')
            delivered.push(payload)
          },
          { maxAttempts: 2, baseBackoffS: 0 },
        )
        await harness.inTransaction(db, [(tx) => outbox.enqueue('ok', { tx })])
        await expect(harness.inTransaction(db, [(tx) => outbox.enqueue('rolled back', { tx })], true)).rejects.toThrow()
        const bad = await outbox.enqueue('bad')
        const worker = outbox.start()
        await until(async () => (await outbox.queue.getJob(bad))?.state === 'dead')
        await worker.stop()
        expect(delivered).toEqual(['ok'])
        const dead = await outbox.queue.getJob(bad)
        expect([dead.attempts, dead.lastError]).toEqual([2, 'nope'])
      })
    })

    describe('notify and streams', () => {
      check('listen gets what commits after it starts, in id order; a rollback sends nothing', async () => {
        const db = await fresh()
        await db.notify('ch', { before: true })
        const listener = await db.listen('ch', { fallbackPollMs: 50 })
        await expect(harness.inTransaction(db, [(tx) => db.notify('ch', { n: -1 }, { tx })], true)).rejects.toThrow()
        await db.notify('ch', { n: 1 })
        await db.notify('other', { n: 9 })
        await db.notify('ch', { n: 2 })
        const got: number[] = []
        for await (const notification of listener) {
          got.push(notification.payload.n)
          if (got.length === 2) break
        }
        expect(got).toEqual([1, 2])
      })

      check('streams replay from the saved offset, which only moves forward', async () => {
        const db = await fresh()
        const stream = db.stream('topic')
        for (const payload of ['a', 'b', 'c']) await stream.publish(payload, { key: payload })
        const events = await stream.readSince(0, 10)
        expect(events.map((event: { payload: string; key: string }) => [event.payload, event.key])).toEqual([['a', 'a'], ['b', 'b'], ['c', 'c']])
        const seen: string[] = []
        const subscription = await stream.subscribe({ consumer: 'c1', saveEveryN: 1, fallbackPollMs: 50 })
        for await (const event of subscription) {
          seen.push(event.payload)
          if (event.payload === 'b') break
        }
        expect(seen).toEqual(['a', 'b'])
        expect(await stream.getOffset('c1')).toBe(events[0].offset) // 'b' was still being handled
        expect(await stream.saveOffset('c1', 0)).toBe(false)
        await harness.inTransaction(db, [(tx) => stream.saveOffset('c2', events[2].offset, { tx })])
        expect(await stream.getOffset('c2')).toBe(events[2].offset)
      })

      check('a subscription saves what was finished when it ends: on abort, on break, and an acked event on close', async () => {
        const db = await fresh()
        const stream = db.stream('ends')
        const offsets: number[] = []
        for (const n of [1, 2, 3, 4]) offsets.push(await stream.publish(n))
        const options = { consumer: 'c', saveEveryN: 100, saveEveryS: null, fallbackPollMs: 50 }
        const controller = new AbortController()
        const aborted = await stream.subscribe({ ...options, signal: controller.signal })
        expect((await aborted.next()).value.payload).toBe(1)
        expect((await aborted.next()).value.payload).toBe(2)
        controller.abort()
        expect((await aborted.next()).done).toBe(true) // asking for the next one finished 2
        expect(await stream.getOffset('c')).toBe(offsets[1])
        const broken = await stream.subscribe(options)
        expect(broken.savedOffset).toBe(offsets[1])
        expect((await broken.next()).value.payload).toBe(3)
        await broken.return() // a `break` while 3 is being handled
        expect(await stream.getOffset('c')).toBe(offsets[1])
        const acked = await stream.subscribe(options)
        expect((await acked.next()).value.payload).toBe(3)
        await acked.ack()
        await acked.close()
        expect(acked.closed).toBe(true)
        expect(await stream.getOffset('c')).toBe(offsets[2])
      })
    })

    describe('locks, rate limits, results, scheduler', () => {
      check('a lock is a lease: not taken while held, not extended by acquire, taken once lapsed', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const a = db.lock('job', { ttlS: 30, owner: 'a' })
        const b = db.lock('job', { ttlS: 30, owner: 'b' })
        expect(await a.acquire()).toBe(true)
        expect(await b.acquire()).toBe(false)
        clock.advance(10)
        expect(await a.acquire()).toBe(true)
        expect(a.expiresAt).toBe(1_900_000_030)
        clock.advance(20)
        expect(await b.acquire()).toBe(true)
        expect(await a.renew()).toBe(false)
        expect(await b.release()).toBe(true)
        expect(await a.acquire()).toBe(true)
      })

      check('rate limits count per fixed window; a rolled-back try gives its slot back', async () => {
        const clock = manualClock(1_900_000_020)
        const db = await fresh(clock)
        const limit = db.rateLimit('api', { limit: 2, perS: 60 })
        await expect(harness.inTransaction(db, [(tx) => limit.try({ tx })], true)).rejects.toThrow()
        expect(await limit.remaining()).toBe(2)
        expect(await limit.try()).toBe(true)
        expect(await limit.try()).toBe(true)
        expect(await limit.try()).toBe(false)
        expect(await limit.resetsAt()).toBe(1_900_000_080)
        clock.advance(60)
        expect(await limit.try()).toBe(true)
      })

      check('results are saved, read, expired and awaited', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        await db.saveResult(5, { ok: true }, { ttlS: 10 })
        expect(await db.getResult(5)).toEqual({ found: true, value: { ok: true } })
        clock.advance(10)
        expect(await db.getResult(5)).toEqual({ found: false })
        expect(await db.sweepResults()).toBe(1)
        const waiting = db.waitResult(6, { timeoutMs: 5_000 })
        setTimeout(() => void db.saveResult(6, 42), 50)
        expect(await waiting).toBe(42)
      })

      check('withLock holds the lease while fn runs, refuses a second owner, and releases it after', async () => {
        const db = await fresh()
        const other = db.lock('report', { ttlS: 30, owner: 'other' })
        const seen = await db.withLock('report', { ttlS: 30, owner: 'me', renewIntervalMs: 20 }, async ({ lock, signal }: { lock: { held: boolean }; signal: AbortSignal }) => {
          expect(await codeOf(() => db.withLock('report', { ttlS: 30 }, () => 1))).toBe('lock_not_held')
          expect(await other.acquire()).toBe(false)
          await new Promise((resolve) => setTimeout(resolve, 70)) // a few renewals
          return { held: lock.held, aborted: signal.aborted }
        })
        expect(seen).toEqual({ held: true, aborted: false })
        expect(await other.acquire()).toBe(true)
        expect(await codeOf(() => db.withLock('x', { ttlS: 0 }, () => 1))).toBe('invalid_argument')
      })

      check("waitResult: a coded timeout, and the signal's reason on abort", async () => {
        const db = await fresh()
        expect(await codeOf(() => db.waitResult(7, { timeoutMs: 30 }))).toBe('timeout')
        const controller = new AbortController()
        const waiting = db.waitResult(7, { signal: controller.signal })
        setTimeout(() => controller.abort(new Error('gave up')), 30)
        await expect(waiting).rejects.toThrow('gave up')
        expect(await codeOf(() => db.waitResult(0))).toBe('invalid_argument')
      })

      check('the scheduler fires each boundary once, caps catch-up at 64, and keeps pauses', async () => {
        const clock = manualClock()
        const db = await fresh(clock)
        const scheduler = db.scheduler()
        expect(await scheduler.add({ name: 'every', queue: 'ticks', schedule: '@every 10s', payload: { k: 1 } })).toBe(true)
        expect(await scheduler.add({ name: 'every', queue: 'ticks', schedule: '@every 10s', payload: { k: 1 } })).toBe(false)
        clock.advance(30)
        expect((await scheduler.tick()).map((fired: { fireAt: number }) => fired.fireAt)).toEqual([1_900_000_010, 1_900_000_020, 1_900_000_030])
        expect(await scheduler.tick()).toEqual([])
        expect((await db.queue('ticks').counts()).pending).toBe(3)
        expect(await scheduler.pause('every')).toBe(true)
        clock.advance(10_000)
        expect(await scheduler.tick()).toEqual([])
        expect(await scheduler.resume('every')).toBe(true)
        expect((await scheduler.tick()).length).toBe(64)
        expect((await scheduler.get('every')).nextFireAt).toBeGreaterThan(1_900_010_030)
        expect(await scheduler.update('every', { priority: 3 })).toBe(true)
        expect((await scheduler.list()).map((task: { name: string; priority: number }) => [task.name, task.priority])).toEqual([['every', 3]])
        expect(await codeOf(() => scheduler.add({ name: 'x', queue: 'q', schedule: 'not cron' }))).toBe('invalid_cron')
        expect(await scheduler.remove('every')).toBe(true)
      })

      check('a sleeping leader wakes for a task registered after it started and fires it at its first boundary', async () => {
        const db = await fresh()
        const scheduler = db.scheduler()
        // A 600 s lease: the next renewal is 200 s away, so only a wake can make it fire in time.
        const runner = scheduler.run({ owner: 'leader', lockTtlS: 600 })
        try {
          await new Promise<void>((resolve) => runner.once('leader:acquired', resolve))
          await until(async () => (await db.lock('honker-scheduler', { ttlS: 1 }).peek())?.owner === 'leader')
          await new Promise((resolve) => setTimeout(resolve, 100)) // the leader is asleep by now
          const fired = new Promise<{ name: string }>((resolve) => runner.once('task:fired', resolve))
          expect(await scheduler.add({ name: 'late', queue: 'q', schedule: '@every 1s' })).toBe(true)
          let settled = false
          void fired.then(() => (settled = true))
          await until(() => settled, 5_000)
          expect((await fired).name).toBe('late')
          expect(runner.isLeader).toBe(true)
        } finally {
          await runner.stop()
        }
        expect(await db.lock('honker-scheduler', { ttlS: 1 }).peek()).toBe(null) // released on stop
      })
    })
  })
}
