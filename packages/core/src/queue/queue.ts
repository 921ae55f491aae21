import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { optionalMilliseconds, optionalSignal, requireInteger, requireName, requireObject } from '../validate.ts'
import type { Transaction } from '../transaction.ts'
import { TimeSlice } from '../time-slice.ts'
import { Worker, type JobHandler } from '../worker/worker.ts'
import type { WorkOptions } from '../worker/work-options.ts'
import { ackMany, claimRows, nextClaimAt, sleepUntilClaimableMs, sweepExpired } from './claim.ts'
import { enqueueManyWith, enqueueWith, requireQueueDefaults, type EnqueueOptions } from './enqueue.ts'
import { CANCEL_JOB, GET_DEAD_JOB, GET_LIVE_JOB, QUEUE_COUNTS } from './queue.sql.ts'
import { Job } from './job.ts'
import { DeadLetters } from './dead-letters.ts'
import { sqliteDeadLetterOps } from './sqlite-dead-letter-ops.ts'
import { deadRowToInfo, liveRowToInfo, toNumber, type DeadJobRow, type JobInfo, type LiveJobRow } from './job-row.ts'
import { listLiveJobs, releaseClaims, type ListJobsOptions, type ReleaseClaimsOptions, type ReleaseClaimsResult } from './live-jobs.ts'
import type { Host } from '../host.ts'
import { queueWorkerStorage } from './queue-worker-storage.ts'

export interface QueueOptions {
  /** Seconds a claim is owned before another worker may reclaim the job. Default 300. */
  visibilityTimeoutS?: number
  /** Executions allowed per job before it is dead-lettered. Default 3. */
  maxAttempts?: number
}

export interface EnqueueCallOptions extends EnqueueOptions {
  /** Write inside this transaction (from `db.transaction`), committing or rolling back with it. */
  tx?: Transaction
}

export interface ClaimOptions {
  /** End the iteration when this signal aborts. */
  signal?: AbortSignal
  /** Jobs claimed per round trip. Default 1. */
  batchSize?: number
  /** Re-check after this long without a wake (paranoia); `null` disables. Default 5000. */
  fallbackPollMs?: number | null
}

export interface QueueCounts {
  /** Pending and due now. */
  pending: number
  /**
   * @deprecated Renamed `pending` (the word `honker status` uses). A non-enumerable alias, so it
   * is left out of JSON and object comparisons; it will be removed.
   */
  readonly ready: number
  /** Pending with a future run_at. */
  delayed: number
  processing: number
  dead: number
}


/**
 * A named queue on the database. Cheap to create: it holds no state but its defaults, so two
 * `db.queue('emails')` objects (or a honker worker in another language) share the same jobs.
 */
export class Queue<Payload = unknown> {
  readonly name: string
  readonly visibilityTimeoutS: number
  readonly maxAttempts: number
  /** This queue's dead letters: list, retry (redrive) or delete them. */
  readonly dead: DeadLetters
  readonly #host: Host

  /** @internal The database's payload limit (a queue is its own enqueue defaults). */
  get maxPayloadBytes(): number {
    return this.#host.maxPayloadBytes
  }

  /** @internal */
  constructor(host: Host, name: string, options: QueueOptions = {}) {
    this.#host = host
    this.name = requireName(name, 'queue name')
    const defaults = requireQueueDefaults(options)
    this.visibilityTimeoutS = defaults.visibilityTimeoutS
    this.maxAttempts = defaults.maxAttempts
    this.dead = new DeadLetters(sqliteDeadLetterOps(host), this.name)
  }

  /**
   * Add a job; returns its id. Pass `{ tx }` to write inside `db.transaction`, so the job commits
   * or rolls back with the business write; otherwise the insert is its own transaction.
   *
   * ```ts
   * db.transaction((tx) => {
   *   tx.run('INSERT INTO orders (user_id) VALUES (?)', [42])
   *   emails.enqueue({ to: 'alice@example.com' }, { tx, priority: 5, delayS: 10 })
   * })
   * ```
   */
  enqueue(payload: Payload, options: EnqueueCallOptions = {}): number {
    requireObject(options, 'options')
    const executor = this.#host.executorFor(options.tx)
    return enqueueWith(executor, this.name, payload, options, this, this.#host.nowS())
  }

  /** Add many jobs in one transaction (or in `tx`); returns their ids in order. */
  enqueueMany(payloads: readonly Payload[], options: EnqueueCallOptions = {}): number[] {
    if (!Array.isArray(payloads)) throw new InvalidArgumentError('payloads', 'must be an array')
    requireObject(options, 'options')
    const executor = this.#host.executorFor(options.tx)
    const insertAll = (): number[] => {
      const now = this.#host.nowS()
      return enqueueManyWith(executor, this.name, payloads, options, this, now)
    }
    return options.tx === undefined ? this.#host.write(insertAll) : insertAll()
  }

  /** Claim the next job, or null if none is ready. */
  claimOne(workerId: string): Job<Payload> | null {
    return this.claimBatch(workerId, 1)[0] ?? null
  }

  /** Claim up to `limit` ready jobs in priority, run_at, id order. */
  claimBatch(workerId: string, limit: number): Job<Payload>[] {
    requireName(workerId, 'workerId')
    requireInteger(limit, 'limit', { min: 1, max: 100_000 })
    const rows = claimRows(this.#host, this.name, workerId, limit, this.visibilityTimeoutS)
    return rows.map((row) => new Job<Payload>(this.#host, row, this.visibilityTimeoutS))
  }

  /** Ack jobs this worker owns in one statement; returns how many were still owned. */
  ackBatch(jobs: readonly (Job<Payload> | number)[], workerId: string): number {
    requireName(workerId, 'workerId')
    if (!Array.isArray(jobs)) throw new InvalidArgumentError('jobs', 'must be an array')
    const ids = jobs.map((job) => (typeof job === 'number' ? requireInteger(job, 'jobs[]') : job.id))
    return ackMany(this.#host, ids, workerId)
  }

  /**
   * Claim jobs as they become ready, waking on commits from any process and on the next delayed
   * job's time. Unyielded jobs of a batch are released if the loop ends early.
   *
   * ```ts
   * for await (const job of emails.claim('worker-1', { signal })) {
   *   await send(job.payload)
   *   job.ack()
   * }
   * ```
   */
  async *claim(workerId: string, options: ClaimOptions = {}): AsyncGenerator<Job<Payload>, void, undefined> {
    requireName(workerId, 'workerId')
    requireObject(options, 'options')
    const signal = optionalSignal(options.signal, 'signal')
    const batchSize = options.batchSize === undefined ? 1 : requireInteger(options.batchSize, 'batchSize', { min: 1 })
    const fallbackMs =
      options.fallbackPollMs === undefined ? 5000 : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    const subscription = this.#host.subscribe()
    const slice = new TimeSlice()
    let pending: Job<Payload>[] = []
    try {
      while (signal?.aborted !== true) {
        const pause = slice.yieldIfSpent()
        if (pause !== undefined) {
          await pause
          continue // the signal may have aborted meanwhile
        }
        pending = this.claimBatch(workerId, batchSize)
        if (pending.length === 0) {
          const timeoutMs = sleepUntilClaimableMs(this.nextClaimAt(), this.#host.nowMs(), fallbackMs)
          if ((await subscription.wait({ timeoutMs, signal })) === 'aborted') return
          slice.restart()
          continue
        }
        while (pending.length > 0) yield pending.shift()!
      }
    } finally {
      subscription.close()
      // Claimed but never handed out: give them back now rather than after the visibility timeout.
      if (!this.#host.closed) for (const job of pending) job.release()
    }
  }

  /**
   * Run `handler` for every job with the worker runtime: retries with backoff, dead-letters the
   * last failure, keeps long jobs owned with heartbeats, and stops gracefully.
   *
   * ```ts
   * const worker = emails.work(async (job) => send(job.payload), { concurrency: 8, signal })
   * await worker.stop()
   * ```
   */
  work(handler: JobHandler<Payload>, options?: WorkOptions): Worker<Payload> {
    return new Worker(queueWorkerStorage<Payload>(this.#host, this), handler, options)
  }

  /** A live or dead job by id, or null once acked or cancelled (or if it never existed). */
  getJob(id: number): JobInfo | null {
    requireInteger(id, 'id')
    this.#host.assertOpen()
    const { executor } = this.#host
    const live = executor.get<LiveJobRow>(GET_LIVE_JOB, [id])
    if (live !== undefined) return live.queue === this.name ? liveRowToInfo(live) : null
    const dead = executor.get<DeadJobRow>(GET_DEAD_JOB, [id])
    return dead !== undefined && dead.queue === this.name ? deadRowToInfo(dead) : null
  }

  /** Delete a pending or running job of any owner; its holder's later ack returns false. */
  cancel(id: number): boolean {
    requireInteger(id, 'id')
    this.#host.assertOpen()
    return this.#host.executor.run(CANCEL_JOB, [id]).changes === 1
  }

  /** Move jobs past `expiresS` to `_honker_dead` ('expired'); returns how many. */
  sweepExpired(): number {
    return sweepExpired(this.#host, this.name)
  }

  /** Unix second of the next moment a claim could succeed (delayed job or claim expiry), or null. */
  nextClaimAt(): number | null {
    return nextClaimAt(this.#host, this.name)
  }

  counts(): QueueCounts {
    this.#host.assertOpen()
    const row = this.#host.executor.get<Record<keyof QueueCounts, number | bigint>>(
      QUEUE_COUNTS,
      QUEUE_COUNTS.bind({ queue: this.name, now: this.#host.nowS() }),
    )!
    const counts = { pending: toNumber(row.pending), delayed: toNumber(row.delayed), processing: toNumber(row.processing), dead: toNumber(row.dead) }
    return Object.defineProperty(counts, 'ready', { get: () => counts.pending, enumerable: false }) as QueueCounts
  }

  /**
   * A page of this queue's live jobs in id order, optionally of one state: 'pending' (due now),
   * 'delayed' or 'processing' (claimed; `claimExpiresAt` says until when).
   *
   * ```ts
   * const stuck = emails.listJobs({ state: 'processing' }).filter((job) => job.claimExpiresAt! < Date.now() / 1000)
   * ```
   */
  listJobs(options?: ListJobsOptions): JobInfo[] {
    return listLiveJobs(this.#host, this.name, options)
  }

  /**
   * Put claimed jobs back to pending whatever worker holds them (say, one that crashed), giving
   * back the attempt the claim counted, as `job.release()` does. Only lapsed claims are released
   * unless `force`: a live claim's worker may still be running the job. Returns the ids released
   * and the matching jobs left alone because their claim is live.
   *
   * ```ts
   * const { released, live } = emails.releaseClaims({ workerId: 'web-1:4242:1f2e3d4c', force: true })
   * ```
   */
  releaseClaims(options?: ReleaseClaimsOptions): ReleaseClaimsResult {
    return releaseClaims(this.#host, this.name, options)
  }
}
