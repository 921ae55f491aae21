import type { DeadLetterOps } from '../engine/dead-letter-ops.ts'
import type { JobOps } from '../engine/job-ops.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import { optionalInteger, optionalMilliseconds, optionalSignal, requireInteger, requireName, requireObject } from '../validate.ts'
import type { Transaction } from '../transaction.ts'
import { TimeSlice } from '../time-slice.ts'
import { Worker, type JobHandler } from '../worker/worker.ts'
import type { WorkOptions } from '../worker/work-options.ts'
import { requireQueueDefaults, type EnqueueOptions, type UniqueEnqueueResult } from './enqueue.ts'
import { Job } from './job.ts'
import { requireLimit, requireRetention, type QueueSettings, type QueueSettingsChange, type RetentionInput } from './queue-settings.ts'
import type { QueueEvent } from './queue-event.ts'
import { DeadLetters } from './dead-letters.ts'
import type { JobInfo } from './job-row.ts'
import type { ListJobsOptions, LiveJobState, ReleaseClaimsOptions, ReleaseClaimsResult } from './live-jobs.ts'

export interface QueueOptions {
  /** Seconds a claim is owned before another worker may reclaim the job. Default 300. */
  visibilityTimeoutS?: number
  /** Executions allowed per job before it is dead-lettered. Default 3. */
  maxAttempts?: number
}

export interface EnqueueCallOptions<Tx = Transaction> extends EnqueueOptions {
  /** Write inside this transaction (from `db.transaction`), committing or rolling back with it. */
  tx?: Tx
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


/** What a queue runs on: its engine's job and dead-letter operations. @internal */
export interface QueueEngine<M extends Mode, Tx> {
  readonly jobs: JobOps<M, Tx>
  readonly dead: DeadLetterOps<M>
}

const MAX_PAGE = 100_000
const EVENTS_PAGE = 100
const JOB_LIST_STATES: readonly JobListState[] = ['pending', 'delayed', 'processing', 'completed', 'dead']

/** What `queue.jobs()` lists: a live state, kept finished jobs, or dead letters. */
export type JobListState = LiveJobState | 'completed' | 'dead'

export interface QueueJobsOptions {
  state?: JobListState
  /** Most jobs returned. Default 100. */
  limit?: number
  /** Only jobs with a greater id: the last id of the previous page. */
  after?: number
}

export interface QueueEventsOptions {
  /** End the iteration when this signal aborts. */
  signal?: AbortSignal
  /** Resume after this event id instead of the newest. */
  after?: number
  /** Re-check after this long without a wake (paranoia); `null` disables. Default 5000. */
  fallbackPollMs?: number | null
}
const LIVE_STATES: readonly LiveJobState[] = ['pending', 'delayed', 'processing']

/**
 * A named queue on the database. Cheap to create: it holds no state but its defaults, so two
 * `db.queue('emails')` objects (or a honker worker in another language) share the same jobs.
 * One class for every engine: values on SQLite, promises on PostgreSQL (`M`).
 */
export class Queue<Payload = unknown, M extends Mode = 'sync', Tx = Transaction> {
  readonly name: string
  readonly visibilityTimeoutS: number
  readonly maxAttempts: number
  /** This queue's dead letters: list, retry (redrive) or delete them. */
  readonly dead: DeadLetters<M>
  readonly #ops: JobOps<M, Tx>

  /** @internal The database's payload limit (a queue is its own enqueue defaults). */
  get maxPayloadBytes(): number {
    return this.#ops.maxPayloadBytes
  }

  /** @internal */
  constructor(engine: QueueEngine<M, Tx>, name: string, options: QueueOptions = {}) {
    this.#ops = engine.jobs
    this.name = requireName(name, 'queue name')
    const defaults = requireQueueDefaults(options)
    this.visibilityTimeoutS = defaults.visibilityTimeoutS
    this.maxAttempts = defaults.maxAttempts
    this.dead = new DeadLetters(engine.dead, this.name)
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
   *
   * With `uniqueKey`, it returns `{ id, created }`: at most one live job per key and queue.
   *
   * ```ts
   * const { id, created } = invoices.enqueue({ invoice: 42 }, { uniqueKey: 'invoice-42' })
   * ```
   */
  enqueue(payload: Payload, options: EnqueueCallOptions<Tx> & { uniqueKey: string }): Result<M, UniqueEnqueueResult>
  enqueue(payload: Payload, options?: EnqueueCallOptions<Tx> & { uniqueKey?: undefined }): Result<M, number>
  enqueue(payload: Payload, options?: EnqueueCallOptions<Tx>): Result<M, number | UniqueEnqueueResult>
  enqueue(payload: Payload, options: EnqueueCallOptions<Tx> = {}): Result<M, number | UniqueEnqueueResult> {
    return settle(this.#ops.mode, () => {
      requireObject(options, 'options')
      return this.#ops.insertOne(this.name, payload, options, this.maxAttempts, options.tx)
    })
  }

  /** Add many jobs in one transaction (or in `tx`); returns their ids in order. */
  enqueueMany(payloads: readonly Payload[], options: EnqueueCallOptions<Tx> = {}): Result<M, number[]> {
    return settle(this.#ops.mode, () => {
      if (!Array.isArray(payloads)) throw new InvalidArgumentError('payloads', 'must be an array')
      requireObject(options, 'options')
      return this.#ops.insert(this.name, payloads, options, this.maxAttempts, options.tx)
    })
  }

  /** Claim the next job, or null if none is ready. */
  claimOne(workerId: string): Result<M, Job<Payload, M> | null> {
    return mapResult(this.claimBatch(workerId, 1), (jobs) => jobs[0] ?? null)
  }

  /** Claim up to `limit` ready jobs in priority, run_at, id order. */
  claimBatch(workerId: string, limit: number): Result<M, Job<Payload, M>[]> {
    return settle(this.#ops.mode, () => {
      requireName(workerId, 'workerId')
      requireInteger(limit, 'limit', { min: 1, max: 100_000 })
      return mapResult(this.#ops.claim(this.name, workerId, limit, this.visibilityTimeoutS), (rows) =>
        rows.map((row) => new Job<Payload, M>(this.#ops, row, this.visibilityTimeoutS)),
      )
    })
  }

  /** Ack jobs this worker owns in one statement; returns how many were still owned. */
  ackBatch(jobs: readonly (Job<Payload, M> | number)[], workerId: string): Result<M, number> {
    return settle(this.#ops.mode, () => {
      requireName(workerId, 'workerId')
      if (!Array.isArray(jobs)) throw new InvalidArgumentError('jobs', 'must be an array')
      const ids = jobs.map((job) => (typeof job === 'number' ? requireInteger(job, 'jobs[]') : job.id))
      return this.#ops.ack(this.name, ids, workerId)
    })
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
  async *claim(workerId: string, options: ClaimOptions = {}): AsyncGenerator<Job<Payload, M>, void, undefined> {
    requireName(workerId, 'workerId')
    requireObject(options, 'options')
    const signal = optionalSignal(options.signal, 'signal')
    const batchSize = options.batchSize === undefined ? 1 : requireInteger(options.batchSize, 'batchSize', { min: 1 })
    const fallbackMs =
      options.fallbackPollMs === undefined ? 5000 : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    const subscription = this.#ops.subscribe(this.name)
    const slice = new TimeSlice()
    let pending: Job<Payload, M>[] = []
    try {
      while (signal?.aborted !== true) {
        const pause = slice.yieldIfSpent()
        if (pause !== undefined) {
          await pause
          continue // the signal may have aborted meanwhile
        }
        pending = await this.claimBatch(workerId, batchSize)
        if (pending.length === 0) {
          const timeoutMs = await this.#ops.sleepUntilClaimableMs(this.name, fallbackMs)
          if ((await subscription.wait({ timeoutMs, signal })) === 'aborted') return
          slice.restart()
          continue
        }
        while (pending.length > 0) yield pending.shift()!
      }
    } finally {
      subscription.close()
      // Claimed but never handed out: give them back now rather than after the visibility timeout.
      if (!this.#ops.closed) {
        for (const job of pending) {
          try {
            await job.release()
          } catch {
            // Left to lapse: the claim expires after the visibility timeout.
          }
        }
      }
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
  work(handler: JobHandler<Payload, Job<Payload, M>>, options?: WorkOptions): Worker<Payload, Job<Payload, M>> {
    const storage = this.#ops.workerStorage<Payload>(this, (row) => new Job<Payload, M>(this.#ops, row, this.visibilityTimeoutS))
    return new Worker(storage, handler, options)
  }

  /**
   * Stop handing out claims, in every process on the database: running jobs finish, idle workers
   * sleep until `resume()` wakes them. Jobs can still be enqueued. honker's own bindings do not
   * know about pauses (docs/compatibility.md).
   */
  pause(): Result<M, void> {
    return mapResult(this.#ops.updateSettings(this.name, { paused: true }), () => undefined)
  }

  /** Hand out claims again; idle workers wake at once. */
  resume(): Result<M, void> {
    return mapResult(this.#ops.updateSettings(this.name, { paused: false }), () => undefined)
  }

  isPaused(): Result<M, boolean> {
    return mapResult(this.#ops.settings(this.name), (settings) => settings.paused)
  }

  /**
   * At most `limit` jobs of this queue processing at once, across every worker and process (stored
   * in the database, so every process obeys the same number); null removes the limit. The claim
   * enforces it, so no race can exceed it.
   */
  setConcurrency(limit: number | null): Result<M, void> {
    return settle(this.#ops.mode, () =>
      mapResult(this.#ops.updateSettings(this.name, { concurrency: requireLimit(limit, 'limit') }), () => undefined),
    )
  }

  /**
   * At most `limit` jobs of one group (`enqueue(payload, { group })`) processing at once, and claims
   * that interleave groups: every group's next job comes before any group's one after it. Jobs
   * without a group form a group of their own. null removes the limit.
   */
  setGroupConcurrency(limit: number | null): Result<M, void> {
    return settle(this.#ops.mode, () =>
      mapResult(this.#ops.updateSettings(this.name, { groupConcurrency: requireLimit(limit, 'limit') }), () => undefined),
    )
  }

  /**
   * Keep finished jobs, for this queue in every process: `keepCompleted` keeps acked jobs (state,
   * attempts, times, progress, and the result when the worker saves one) in `_honker_history`;
   * `keepFailed` bounds the dead letters, which are kept until deleted otherwise. Each takes
   * `{ maxAgeS?, maxCount? }` (at least one) or null; a field left out stays as it is. The
   * worker's sweep prunes past the bounds.
   *
   * ```ts
   * emails.setHistory({ keepCompleted: { maxAgeS: 86_400, maxCount: 10_000 } })
   * ```
   */
  setHistory(history: { keepCompleted?: RetentionInput | null; keepFailed?: RetentionInput | null }): Result<M, void> {
    return settle(this.#ops.mode, () => {
      requireObject(history, 'history')
      if (history === undefined) throw new InvalidArgumentError('history', 'must be { keepCompleted?, keepFailed? }')
      const change: QueueSettingsChange = {}
      if (history.keepCompleted !== undefined) change.keepCompleted = requireRetention(history.keepCompleted, 'keepCompleted')
      if (history.keepFailed !== undefined) change.keepFailed = requireRetention(history.keepFailed, 'keepFailed')
      return mapResult(this.#ops.updateSettings(this.name, change), () => undefined)
    })
  }

  /** Record job events for `queue.events()` (in every process), or stop; a queue without them pays nothing. */
  setEvents(enabled: boolean): Result<M, void> {
    return settle(this.#ops.mode, () => {
      if (typeof enabled !== 'boolean') throw new InvalidArgumentError('enabled', `must be a boolean, got ${typeof enabled}`)
      return mapResult(this.#ops.updateSettings(this.name, { events: enabled }), () => undefined)
    })
  }

  /**
   * A page of this queue's jobs of one state, in id order, with keyset pagination (`after`: the
   * last id of the previous page), fast at any depth: 'pending', 'delayed', 'processing' (live),
   * 'completed' (kept by `setHistory`) or 'dead'. Without a state, every live job.
   *
   * ```ts
   * for (let page = q.jobs({ state: 'completed' }); page.length > 0; page = q.jobs({ state: 'completed', after: page.at(-1)!.id })) ...
   * ```
   */
  jobs(options: QueueJobsOptions = {}): Result<M, JobInfo[]> {
    return settle(this.#ops.mode, () => {
      requireObject(options, 'options')
      const state = options.state ?? null
      if (state !== null && !JOB_LIST_STATES.includes(state)) {
        throw new InvalidArgumentError('state', `must be one of ${JOB_LIST_STATES.join(', ')}, got ${String(state)}`)
      }
      const limit = optionalInteger(options.limit, 'limit', { min: 1, max: MAX_PAGE }) ?? 100
      const after = optionalInteger(options.after, 'after', { min: 0 }) ?? 0
      if (state === 'completed') return this.#ops.history(this.name, after, limit)
      if (state === 'dead') return this.dead.list({ afterId: after, limit })
      return this.#ops.list(this.name, state, after, limit)
    })
  }

  /**
   * Follow this queue's job events from every process, as they commit: completed, retried,
   * failed, dead, progress and stalled. Needs `setEvents(true)` (events are recorded from then
   * on). Starts after the newest event, or after `after` (an event id) to resume.
   *
   * ```ts
   * for await (const event of emails.events({ signal })) console.log(event.kind, event.jobId)
   * ```
   */
  async *events(options: QueueEventsOptions = {}): AsyncGenerator<QueueEvent, void, undefined> {
    requireObject(options, 'options')
    const signal = optionalSignal(options.signal, 'signal')
    const fallbackMs =
      options.fallbackPollMs === undefined ? 5000 : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    let cursor = optionalInteger(options.after, 'after', { min: 0 })
    // Subscribed before the first read, so an event committed in between still wakes the loop.
    const subscription = this.#ops.subscribeEvents(this.name)
    try {
      cursor ??= await this.#ops.lastEventId(this.name)
      while (signal?.aborted !== true) {
        const page = await this.#ops.events(this.name, cursor, EVENTS_PAGE)
        for (const event of page) {
          cursor = event.id
          yield event
          // The consumer may have aborted while it held the event.
          if (isAborted(signal)) return
        }
        if (page.length === EVENTS_PAGE) continue
        if ((await subscription.wait({ timeoutMs: fallbackMs, signal })) === 'aborted') return
      }
    } finally {
      subscription.close()
    }
  }

  /** The queue's shared settings: paused, concurrency and groupConcurrency. */
  settings(): Result<M, QueueSettings> {
    return this.#ops.settings(this.name)
  }

  /** A live or dead job by id, or null once acked or cancelled (or if it never existed). */
  getJob(id: number): Result<M, JobInfo | null> {
    return settle(this.#ops.mode, () => this.#ops.get(this.name, requireInteger(id, 'id')))
  }

  /** Delete a pending or running job of any owner; its holder's later ack returns false. */
  cancel(id: number): Result<M, boolean> {
    return settle(this.#ops.mode, () => this.#ops.cancel(requireInteger(id, 'id')))
  }

  /** Move jobs past `expiresS` to `_honker_dead` ('expired'); returns how many. */
  sweepExpired(): Result<M, number> {
    return this.#ops.sweepExpired(this.name)
  }

  /** Unix second of the next moment a claim could succeed (delayed job or claim expiry), or null. */
  nextClaimAt(): Result<M, number | null> {
    return this.#ops.nextClaimAt(this.name)
  }

  counts(): Result<M, QueueCounts> {
    return mapResult(this.#ops.counts(this.name), (counts) =>
      Object.defineProperty(counts, 'ready', { get: () => counts.pending, enumerable: false }) as QueueCounts,
    )
  }

  /**
   * A page of this queue's live jobs in id order, optionally of one state: 'pending' (due now),
   * 'delayed' or 'processing' (claimed; `claimExpiresAt` says until when).
   *
   * ```ts
   * const stuck = emails.listJobs({ state: 'processing' }).filter((job) => job.claimExpiresAt! < Date.now() / 1000)
   * ```
   */
  listJobs(options?: ListJobsOptions): Result<M, JobInfo[]> {
    return listJobs(this.#ops, this.name, options)
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
  releaseClaims(options: ReleaseClaimsOptions = {}): Result<M, ReleaseClaimsResult> {
    return settle(this.#ops.mode, () => this.#releaseClaims(options))
  }

  #releaseClaims(options: ReleaseClaimsOptions): Result<M, ReleaseClaimsResult> {
    requireObject(options, 'options')
    let ids: number[] | null = null
    if (options.ids !== undefined) {
      if (!Array.isArray(options.ids)) throw new InvalidArgumentError('ids', 'must be an array of job ids')
      ids = options.ids.map((id, index) => requireInteger(id, `ids[${index}]`, { min: 1 }))
    }
    const workerId = options.workerId === undefined ? null : requireName(options.workerId, 'workerId')
    if (options.force !== undefined && typeof options.force !== 'boolean') throw new InvalidArgumentError('force', 'must be a boolean')
    return this.#ops.releaseClaims(this.name, ids, workerId, options.force === true)
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** A page of live jobs of `queue` (or of every queue when null), in id order. @internal */
export function listJobs<M extends Mode>(ops: JobOps<M, unknown>, queue: string | null, options: ListJobsOptions = {}): Result<M, JobInfo[]> {
  return settle(ops.mode, () => listJobsPage(ops, queue, options))
}

function listJobsPage<M extends Mode>(ops: JobOps<M, unknown>, queue: string | null, options: ListJobsOptions): Result<M, JobInfo[]> {
  requireObject(options, 'options')
  const state = options.state ?? null
  if (state !== null && !LIVE_STATES.includes(state)) {
    throw new InvalidArgumentError('state', `must be one of ${LIVE_STATES.join(', ')}, got ${String(state)}`)
  }
  const limit = optionalInteger(options.limit, 'limit', { min: 1, max: MAX_PAGE }) ?? 100
  const afterId = optionalInteger(options.afterId, 'afterId', { min: 0 }) ?? 0
  return ops.list(queue, state, afterId, limit)
}
