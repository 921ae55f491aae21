import {
  InvalidArgumentError,
  optionalInteger,
  optionalMilliseconds,
  optionalSignal,
  requireInteger,
  requireName,
  requireObject,
  requireQueueDefaults,
  Worker,
  type EnqueueOptions,
  type JobHandler,
  type JobInfo,
  type ListJobsOptions,
  type ReleaseClaimsOptions,
  type ReleaseClaimsResult,
  DeadLetters,
  type WorkOptions,
} from '@honker/core/engine'
import type { ClaimOptions, QueueCounts as CoreQueueCounts, QueueOptions } from '@honker/core'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { pgDeadLetterOps } from './dead-letter-ops.ts'
import { PgJob } from './job.ts'
import { rowToInfo, type PgJobRow } from './job-row.ts'
import { pgQueueWorkerStorage, sleepUntilClaimable } from './queue-worker-storage.ts'
import { insertJobs } from '../writes.ts'
import { runnerOf, type PgTransaction } from './transaction.ts'

/** core's DeadLetters on PostgreSQL: every call returns a promise. */
export type PgDeadLetters = DeadLetters<'async'>

export interface EnqueueCallOptions extends EnqueueOptions {
  /** Insert inside this transaction: the job exists (and wakes workers) only if it commits. */
  tx?: PgTransaction
}

/** `@honker/core`'s counts without the deprecated `ready`. */
export type QueueCounts = Omit<CoreQueueCounts, 'ready'>

const MAX_PAGE = 100_000
const LIVE_STATES = ['pending', 'delayed', 'processing']

/** A named queue on PostgreSQL: `@honker/core`'s Queue, every method returning a promise. */
export class PgQueue<Payload = unknown> {
  readonly name: string
  readonly visibilityTimeoutS: number
  readonly maxAttempts: number
  /** This queue's dead letters. */
  readonly dead: DeadLetters<'async'>
  readonly #engine: PgEngine
  readonly #owner: object

  /** @internal Use `db.queue(name)`. */
  constructor(engine: PgEngine, owner: object, name: string, options: QueueOptions = {}) {
    this.name = requireName(name, 'queue')
    const defaults = requireQueueDefaults(options)
    this.visibilityTimeoutS = defaults.visibilityTimeoutS
    this.maxAttempts = defaults.maxAttempts
    this.#engine = engine
    this.#owner = owner
    this.dead = new DeadLetters(pgDeadLetterOps(engine), this.name)
  }

  /** Insert one job; returns its id. */
  async enqueue(payload: Payload, options: EnqueueCallOptions = {}): Promise<number> {
    const [id] = await this.enqueueMany([payload], options)
    return id!
  }

  /** Insert many jobs with the same options in one statement; ids in payload order. */
  async enqueueMany(payloads: readonly Payload[], options: EnqueueCallOptions = {}): Promise<number[]> {
    requireObject(options, 'options')
    const runner = runnerOf(options?.tx, this.#owner) ?? this.#engine.pool
    this.#engine.assertOpen()
    const ids = await insertJobs(this.#engine, runner, this.name, payloads, options, this.maxAttempts)
    this.#engine.noteInserted(ids.length)
    return ids
  }

  async claimOne(workerId: string): Promise<PgJob<Payload> | null> {
    return (await this.claimBatch(workerId, 1))[0] ?? null
  }

  /** Claim up to `limit` jobs (dead-lettering exhausted ones first), in priority, run_at, id order. */
  async claimBatch(workerId: string, limit: number): Promise<PgJob<Payload>[]> {
    requireName(workerId, 'workerId')
    requireInteger(limit, 'limit', { min: 1 })
    const { rows } = await this.#engine.query<{ claimed: PgJobRow[] }>(this.#engine.jobs.ackAndClaim, [
      this.name,
      workerId,
      limit,
      this.visibilityTimeoutS,
      [],
    ])
    return rows[0]!.claimed.map((row) => new PgJob<Payload>(this.#engine, row, this.visibilityTimeoutS))
  }

  /** Ack many jobs in one statement; returns how many were still owned by `workerId`. */
  async ackBatch(jobs: readonly (PgJob<Payload> | number)[], workerId: string): Promise<number> {
    requireName(workerId, 'workerId')
    if (!Array.isArray(jobs)) throw new InvalidArgumentError('jobs', 'must be an array')
    const ids = jobs.map((job) => (typeof job === 'number' ? requireInteger(job, 'jobs[]') : job.id))
    if (ids.length === 0) return 0
    return (await this.#engine.query(this.#engine.jobs.ack, [ids, workerId])).rowCount ?? 0
  }

  /** Claimed jobs one at a time, sleeping until a commit, a due delayed job or a lapsed claim. */
  async *claim(workerId: string, options: ClaimOptions = {}): AsyncGenerator<PgJob<Payload>, void, undefined> {
    requireName(workerId, 'workerId')
    requireObject(options, 'options')
    const signal = optionalSignal(options.signal, 'signal')
    const batchSize = options.batchSize === undefined ? 1 : requireInteger(options.batchSize, 'batchSize', { min: 1 })
    const fallbackMs =
      options.fallbackPollMs === undefined ? 5000 : (optionalMilliseconds(options.fallbackPollMs, 'fallbackPollMs') ?? null)
    const subscription = this.#engine.wake.subscribe([wakeKey('q', this.name)])
    let pending: PgJob<Payload>[] = []
    try {
      while (signal?.aborted !== true) {
        pending = await this.claimBatch(workerId, batchSize)
        if (pending.length === 0) {
          const timeoutMs = await sleepUntilClaimable(this.#engine, this.name, fallbackMs)
          if ((await subscription.wait({ timeoutMs, signal })) === 'aborted') return
          continue
        }
        while (pending.length > 0) yield pending.shift()!
      }
    } finally {
      subscription.close()
      if (!this.#engine.closed) await Promise.all(pending.map((job) => job.release().catch(() => false)))
    }
  }

  /** Run `handler` for each job with core's worker runtime (concurrency, retries, heartbeats, shutdown). */
  work(handler: JobHandler<Payload, PgJob<Payload>>, options?: WorkOptions): Worker<Payload, PgJob<Payload>> {
    return new Worker(pgQueueWorkerStorage<Payload>(this.#engine, this), handler, options)
  }

  /** A job of this queue, live or dead; null once acked or cancelled (or in another queue). */
  async getJob(id: number): Promise<JobInfo | null> {
    requireInteger(id, 'id')
    const { rows } = await this.#engine.query<PgJobRow>(this.#engine.jobs.get, [id])
    const row = rows[0]
    return row !== undefined && row.queue === this.name ? rowToInfo(row) : null
  }

  /** Delete a live job whatever its state or owner; no dead letter. */
  async cancel(id: number): Promise<boolean> {
    requireInteger(id, 'id')
    return (await this.#engine.query(this.#engine.jobs.cancel, [id])).rowCount === 1
  }

  /** Move expired jobs to the dead letters ('expired'); returns how many. */
  async sweepExpired(): Promise<number> {
    return (await this.#engine.query(this.#engine.jobs.sweepExpired, [this.name])).rowCount ?? 0
  }

  /** Unix second at which a claim could next succeed, or null when nothing waits. */
  async nextClaimAt(): Promise<number | null> {
    const { rows } = await this.#engine.query<{ next_at: string | null }>(this.#engine.jobs.nextClaimAt, [this.name])
    return rows[0]!.next_at === null ? null : Number(rows[0]!.next_at)
  }

  async counts(): Promise<QueueCounts> {
    const { rows } = await this.#engine.query<Record<keyof QueueCounts, string>>(this.#engine.jobs.counts, [this.name])
    const row = rows[0]!
    return { pending: Number(row.pending), delayed: Number(row.delayed), processing: Number(row.processing), dead: Number(row.dead) }
  }

  /** A page of this queue's live jobs in id order. */
  async listJobs(options: ListJobsOptions = {}): Promise<JobInfo[]> {
    return listJobs(this.#engine, this.name, options)
  }

  /** Put claimed jobs back to pending (lapsed claims only, unless `force`). */
  async releaseClaims(options: ReleaseClaimsOptions = {}): Promise<ReleaseClaimsResult> {
    requireObject(options, 'options')
    const ids = options.ids === undefined ? null : checkedIds(options.ids)
    const workerId = options.workerId === undefined ? null : requireName(options.workerId, 'workerId')
    const { rows } = await this.#engine.query<PgJobRow & { released: boolean }>(this.#engine.jobs.releaseClaims, [
      this.name,
      ids,
      workerId,
      options.force === true,
      wakeKey('q', this.name),
    ])
    return {
      released: rows.filter((row) => row.released).map((row) => Number(row.id)),
      live: rows.filter((row) => !row.released).map(rowToInfo),
    }
  }
}

function checkedIds(ids: unknown): number[] {
  if (!Array.isArray(ids)) throw new InvalidArgumentError('ids', 'must be an array of job ids')
  return ids.map((id) => requireInteger(id, 'ids[]', { min: 1 }))
}

/** @internal A page of live jobs of `queue` (every queue when null). */
export async function listJobs(engine: PgEngine, queue: string | null, options: ListJobsOptions = {}): Promise<JobInfo[]> {
  requireObject(options, 'options')
  const state = options.state ?? null
  if (state !== null && !LIVE_STATES.includes(state)) {
    throw new InvalidArgumentError('state', `must be one of ${LIVE_STATES.join(', ')}, got ${JSON.stringify(state)}`)
  }
  const limit = optionalInteger(options.limit, 'limit', { min: 1, max: MAX_PAGE }) ?? 100
  const afterId = optionalInteger(options.afterId, 'afterId', { min: 0 }) ?? 0
  const { rows } = await engine.query<PgJobRow>(engine.jobs.list, [queue, state, afterId, limit])
  return rows.map(rowToInfo)
}
