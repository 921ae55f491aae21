import { copyFileSync, renameSync } from 'node:fs'
import Sqlite from './sqlite.ts'
import { describe, expect, it } from 'vitest'
import { open, RetryLaterError, UnrecoverableError, type Database, type HandlerContext, type Job } from '@honker/core'
import { backoffDelayS, resolveBackoff } from '../src/worker/backoff.ts'
import { onCleanup, sleep, tempDbPath } from './helpers.ts'

function fresh(): { db: Database; file: string } {
  const file = tempDbPath()
  const db = open(file)
  onCleanup(() => db.close())
  return { db, file }
}

function until<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = (): void => {
      const value = predicate()
      if (value) return resolve(value)
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met in time'))
      setTimeout(tick, 5)
    }
    tick()
  })
}

describe('backoff', () => {
  it('grows exponentially from baseS, caps at maxS, and jitter only shortens', () => {
    const backoff = resolveBackoff({ baseS: 5, factor: 2, maxS: 60, jitter: 0.5 })
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayS(attempt, backoff, () => 0))).toEqual([5, 10, 20, 40, 60])
    expect(backoffDelayS(3, backoff, () => 1)).toBe(10)
    expect(() => resolveBackoff({ jitter: 2 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => resolveBackoff({ baseS: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })
})

describe('worker runtime', () => {
  it('runs every job once and acks it, up to `concurrency` at a time', async () => {
    const { db } = fresh()
    const q = db.queue<{ n: number }>('q')
    const seen: number[] = []
    let running = 0
    let peak = 0
    const worker = q.work(
      async (job) => {
        running++
        peak = Math.max(peak, running)
        await sleep(20)
        seen.push(job.payload.n)
        running--
      },
      { concurrency: 8, fallbackPollMs: null },
    )
    q.enqueueMany(Array.from({ length: 40 }, (_, n) => ({ n })))
    await until(() => worker.stats.completed === 40)
    await worker.stop()
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n))
    expect(peak).toBe(8)
    expect(q.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  })

  it('acks each finished job in the same transaction as the next claim (one commit per job at concurrency 1)', async () => {
    const { db } = fresh()
    const q = db.queue('q')
    q.enqueueMany(Array.from({ length: 200 }, (_, n) => ({ n })))
    // Count the write transactions the worker opens (every one goes through the database's write()).
    const host = db as unknown as { write: (fn: () => unknown) => unknown }
    const write = host.write.bind(db)
    let transactions = 0
    host.write = (fn) => {
      transactions++
      return write(fn)
    }
    const worker = q.work(async () => {}, { fallbackPollMs: null })
    await until(() => worker.stats.completed === 200)
    await worker.stop()
    // 200 claims (each acking the job before it), the last ack (with a claim that finds nothing),
    // and a few wakes that found nothing new: never a second commit per job.
    expect(transactions).toBeGreaterThanOrEqual(201)
    expect(transactions).toBeLessThan(215)
    expect(q.counts()).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  })

  it('counts a job retried at once and reclaimed here as running twice until each run ends, and leaves no timer behind', async () => {
    const { db } = fresh()
    const q = db.queue<{ n: number }>('q', { maxAttempts: 5 })
    const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
    const attempts: number[] = []
    const worker = q.work(
      (job) => {
        attempts.push(job.attempts)
        if (job.attempts < 3) throw new RetryLaterError(0, 'again at once')
      },
      { concurrency: 2, fallbackPollMs: null, sweepIntervalMs: null, heartbeatIntervalMs: 60_000 },
    )
    const id = q.enqueue({ n: 1 })
    await until(() => worker.stats.completed === 1 || undefined)
    await worker.stop()
    expect(attempts).toEqual([1, 2, 3])
    expect(worker.stats).toMatchObject({ claimed: 3, retried: 2, completed: 1, lost: 0 })
    expect(q.getJob(id)).toBeNull()
    expect(worker.running).toBe(0)
    // Every run's heartbeat timer was cleared, the reclaimed one's included.
    expect(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length).toBeLessThanOrEqual(timersBefore)
  })

  it('retries a throwing handler, then dead-letters the last failure with its error text', async () => {
    const { db } = fresh()
    const q = db.queue('q', { maxAttempts: 3 })
    const attempts: number[] = []
    const retried: number[] = []
    const worker = q.work(
      (job) => {
        attempts.push(job.attempts)
        throw new Error(`smtp refused (attempt ${job.attempts})`)
      },
      { backoff: { baseS: 0 }, fallbackPollMs: null },
    )
    worker.on('job:retried', (_job, _error, delayS) => retried.push(delayS))
    const id = q.enqueue({ to: 'x' })
    const [deadJob] = await new Promise<[Job]>((resolve) => worker.on('job:dead', (job) => resolve([job])))
    await worker.stop()
    expect(deadJob.id).toBe(id)
    expect(attempts).toEqual([1, 2, 3])
    expect(retried).toEqual([0, 0])
    expect(q.getJob(id)).toMatchObject({ state: 'dead', attempts: 3, lastError: 'smtp refused (attempt 3)' })
    expect(worker.stats).toMatchObject({ retried: 2, dead: 1, completed: 0 })
  })

  it('honours RetryLaterError delays and UnrecoverableError', async () => {
    const { db } = fresh()
    const q = db.queue<string>('q', { maxAttempts: 5 })
    const runs: { payload: string; attempts: number; at: number }[] = []
    const worker = q.work(
      (job) => {
        runs.push({ payload: job.payload, attempts: job.attempts, at: Date.now() })
        if (job.payload === 'later' && job.attempts === 1) throw new RetryLaterError(1)
        if (job.payload === 'hopeless') throw new UnrecoverableError('no such user')
      },
      { fallbackPollMs: null },
    )
    const hopeless = q.enqueue('hopeless')
    q.enqueue('later')
    await until(() => worker.stats.completed === 1 && worker.stats.dead === 1)
    await worker.stop()
    expect(q.getJob(hopeless)).toMatchObject({ state: 'dead', attempts: 1, lastError: 'UnrecoverableError: no such user' })
    const later = runs.filter((run) => run.payload === 'later')
    expect(later.map((run) => run.attempts)).toEqual([1, 2])
    // Whole-second resolution: "1 s later" means the next second boundary or the one after.
    expect(later[1]!.at - later[0]!.at).toBeGreaterThanOrEqual(1)
    expect(Math.floor(later[1]!.at / 1000)).toBeGreaterThanOrEqual(Math.floor(later[0]!.at / 1000) + 1)
  })

  it('runs a delayed job at its time with no other commit and no fallback poll', async () => {
    const { db } = fresh()
    const q = db.queue('q')
    const ran: number[] = []
    const worker = q.work(() => void ran.push(Date.now()), { fallbackPollMs: null, sweepIntervalMs: null })
    await sleep(50) // the worker is idle and waiting
    const enqueuedAt = Date.now()
    q.enqueue('wake me later', { delayS: 1 })
    await until(() => ran.length === 1, 5_000)
    await worker.stop()
    const dueAt = (Math.floor(enqueuedAt / 1000) + 1) * 1000
    expect(ran[0]!).toBeGreaterThanOrEqual(dueAt)
  })

  it('keeps a long job owned with heartbeats past its visibility timeout', async () => {
    const { db } = fresh()
    const q = db.queue('q', { visibilityTimeoutS: 1 })
    const id = q.enqueue('long')
    let thief: Job | null = null
    const worker = q.work(
      async () => {
        for (let i = 0; i < 10; i++) {
          await sleep(250)
          thief ??= q.claimOne('thief')
        }
      },
      { heartbeatIntervalMs: 200, fallbackPollMs: null },
    )
    await until(() => worker.stats.completed === 1, 10_000)
    await worker.stop()
    expect(thief).toBeNull()
    expect(q.getJob(id)).toBeNull()
    expect(worker.stats.lost).toBe(0)
  })

  it('reports a lost claim instead of acking a job another worker took over', async () => {
    const { db } = fresh()
    const q = db.queue('q', { visibilityTimeoutS: 1 })
    const id = q.enqueue('x')
    let signalAborted = false
    const worker = q.work(
      async (_job, { signal }) => {
        q.cancel(id) // someone cancels it while it runs
        await sleep(1_500) // the next heartbeat finds the claim gone
        signalAborted = signal.aborted
      },
      { heartbeatIntervalMs: 300, fallbackPollMs: null },
    )
    await until(() => worker.stats.lost === 1, 5_000)
    await worker.stop()
    expect(signalAborted).toBe(true)
    expect(worker.stats.completed).toBe(0)
  })

  it('a handler that reads its signal only after the claim was lost still sees it aborted, with the reason', async () => {
    const { db } = fresh()
    const q = db.queue('q', { visibilityTimeoutS: 1 })
    const id = q.enqueue('x')
    let seen: { aborted: boolean; reason: unknown } | null = null
    const worker = q.work(
      async (_job, context) => {
        q.cancel(id)
        await sleep(1_500)
        // Read through a spread copy, as handlers that add their own fields do.
        const copy: HandlerContext & { extra: boolean } = { ...context, extra: true }
        const { signal } = copy
        seen = { aborted: signal.aborted, reason: signal.reason }
      },
      { heartbeatIntervalMs: 300, fallbackPollMs: null },
    )
    await until(() => worker.stats.lost === 1 && seen !== null, 5_000)
    await worker.stop()
    expect(seen).toMatchObject({ aborted: true, reason: { code: 'claim_lost' } })
  })

  it('stops gracefully: running handlers finish and are acked, nothing new is claimed', async () => {
    const { db } = fresh()
    const q = db.queue('q')
    let finished = 0
    const worker = q.work(async () => {
      await sleep(200)
      finished++
    })
    q.enqueueMany([1, 2])
    await until(() => worker.running === 1)
    await worker.stop()
    expect(finished).toBe(1)
    expect(worker.stats.completed).toBe(1)
    expect(q.counts()).toMatchObject({ pending: 1, processing: 0 })
  })

  it('settles `done` only after running jobs are acked: abort the signal, await done, close', async () => {
    const { db } = fresh()
    const q = db.queue('q')
    const id = q.enqueue('slow')
    const controller = new AbortController()
    let finished = false
    const worker = q.work(async () => {
      await sleep(300)
      finished = true
    }, { signal: controller.signal, fallbackPollMs: null })
    let stoppedWhileRunning: number | null = null
    worker.on('worker:stopped', () => (stoppedWhileRunning = worker.running))
    await until(() => worker.running === 1)
    controller.abort()
    await worker.done
    expect(finished).toBe(true)
    expect(stoppedWhileRunning).toBe(0)
    expect(worker.stats.completed).toBe(1)
    expect(q.getJob(id)).toBeNull()
  })

  it('stop({ timeoutMs }) after the signal aborted still bounds the drain', async () => {
    const { db } = fresh()
    const q = db.queue('q')
    const id = q.enqueue('hangs')
    const controller = new AbortController()
    const worker = q.work(() => new Promise(() => {}), { signal: controller.signal, shutdownTimeoutMs: 60_000 })
    await until(() => worker.running === 1)
    void worker.stop({ timeoutMs: 50 })
    controller.abort()
    await worker.done
    expect(worker.stats.released).toBe(1)
    expect(q.getJob(id)).toMatchObject({ state: 'pending', attempts: 0 })
  })

  it('logs retries as warnings and dead letters as errors to a logger like console', async () => {
    const { db } = fresh()
    const q = db.queue('q', { maxAttempts: 2 })
    const lines: [level: string, message: string, detail: unknown][] = []
    const logger = {
      warn: (message: string, detail: unknown) => lines.push(['warn', message, detail]),
      error: (message: string, detail: unknown) => lines.push(['error', message, detail]),
    }
    const id = q.enqueue('boom')
    const worker = q.work(() => {
      throw new Error('smtp down')
    }, { logger, backoff: { baseS: 0, jitter: 0 }, fallbackPollMs: 50 })
    await until(() => worker.stats.dead === 1)
    await worker.stop()
    expect(lines.map(([level, message]) => [level, message])).toEqual([
      ['warn', `honker worker ${worker.id}: q job ${id} (attempt 1/2) failed, retrying in 0 s:`],
      ['error', `honker worker ${worker.id}: q job ${id} (attempt 2/2) failed for good, moved to the dead letters:`],
    ])
    expect(lines[1]![2]).toMatchObject({ message: 'smtp down' })
    expect(() => q.work(() => {}, { logger: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })

  it('releases jobs still running when the shutdown timeout passes, without spending an attempt', async () => {
    const { db } = fresh()
    const q = db.queue('q')
    const id = q.enqueue('stuck')
    let aborted: unknown = null
    const worker = q.work((_job, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => {
      aborted = signal.reason
      resolve(undefined)
    })))
    await until(() => worker.running === 1)
    await worker.stop({ timeoutMs: 100 })
    expect(worker.stats.released).toBe(1)
    expect(aborted).toMatchObject({ code: 'closed' })
    expect(q.getJob(id)).toMatchObject({ state: 'pending', attempts: 0, workerId: null })
  })

  it('saves handler results with the ack when asked, and fails a job whose result is not JSON', async () => {
    const { db } = fresh()
    const q = db.queue<string>('q', { maxAttempts: 1 })
    const worker = q.work((job) => (job.payload === 'bad' ? 10n : { echoed: job.payload }), {
      results: { ttlS: 60 },
      fallbackPollMs: null,
    })
    const good = q.enqueue('hello')
    const waited = db.waitResult(good, { timeoutMs: 5_000 })
    const bad = q.enqueue('bad')
    await until(() => worker.stats.completed === 1 && worker.stats.dead === 1)
    await worker.stop()
    expect(await waited).toEqual({ echoed: 'hello' })
    expect(db.getResult(bad)).toEqual({ found: false })
    expect(q.getJob(bad)).toMatchObject({ state: 'dead' })
    expect(q.getJob(bad)?.lastError).toContain('JSON')
  })

  it('does not freeze the process while another connection of this process holds the write lock', async () => {
    const { db, file } = fresh()
    const q = db.queue('q')
    const errors: unknown[] = []
    const worker = q.work(() => {}, { fallbackPollMs: null })
    worker.on('worker:error', (error) => errors.push(error))
    // Like an ORM's async transaction: another connection holds the lock across awaits.
    const orm = new Sqlite(file)
    onCleanup(() => orm.close())
    q.enqueue('waits for the lock')
    orm.exec('BEGIN IMMEDIATE')
    let ticks = 0
    const ticker = setInterval(() => ticks++, 10)
    await sleep(300)
    clearInterval(ticker)
    orm.exec('COMMIT')
    await until(() => worker.stats.completed === 1, 10_000)
    await worker.stop()
    expect(ticks).toBeGreaterThanOrEqual(5) // a 5 s synchronous busy wait would have stopped the clock
    expect(errors).toEqual([])
  })

  it('stops when its signal aborts (wire it to SIGTERM)', async () => {
    const { db } = fresh()
    const controller = new AbortController()
    const worker = db.queue('q').work(() => {}, { signal: controller.signal })
    controller.abort()
    await worker.done
    await expect(worker.stop()).resolves.toBeUndefined()
  })

  it('ends with database_replaced instead of hanging when the file is replaced', async () => {
    const { db, file } = fresh()
    const worker = db.queue('q').work(() => {}, { fallbackPollMs: null })
    const stopped = new Promise((resolve) => worker.on('worker:stopped', resolve))
    copyFileSync(file, `${file}.new`)
    renameSync(`${file}.new`, file)
    await expect(worker.done).rejects.toMatchObject({ code: 'database_replaced' })
    expect(await stopped).toMatchObject({ code: 'database_replaced' })
  })

  it('ends with database_replaced when the file is replaced while a backlog keeps every slot busy', async () => {
    const { db, file } = fresh()
    const q = db.queue('q')
    q.enqueueMany(Array.from({ length: 3000 }, (_, n) => ({ n })))
    let handled = 0
    const worker = q.work(
      () => {
        // Part-way through, long after the worker stopped asking for commit wakes.
        if (++handled === 1500) {
          copyFileSync(file, `${file}.new`)
          renameSync(`${file}.new`, file)
        }
      },
      { fallbackPollMs: null },
    )
    // The worker drains what its connection (the replaced inode) still holds, then must stop.
    await expect(worker.done).rejects.toMatchObject({ code: 'database_replaced' })
    expect(handled).toBeGreaterThanOrEqual(1500)
  })

  it('renews claims with heartbeatIntervalMs: 0 without spinning (one pass per timer)', async () => {
    const { db } = fresh()
    const q = db.queue('q')
    q.enqueueMany([{ n: 1 }, { n: 2 }])
    const worker = q.work(() => sleep(30), { heartbeatIntervalMs: 0, concurrency: 2, fallbackPollMs: null })
    await until(() => worker.stats.completed === 2)
    await worker.stop()
    expect(worker.stats).toMatchObject({ completed: 2, lost: 0 })
  })
})
