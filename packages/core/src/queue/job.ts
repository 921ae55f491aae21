import type { ClaimedRow, JobOps } from '../engine/job-ops.ts'
import { isThenable, mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import { decodePayload, encodePayload } from '../payload.ts'
import { MAX_SECONDS, optionalInteger, requireObject } from '../validate.ts'
import { toNumber } from './job-row.ts'
import { errorText } from './transitions.ts'

export interface RetryOptions {
  /** Seconds before the job may run again. Default 60 (honker's `Job.retry`). */
  delayS?: number
  /** Stored as `last_error` if this was the last attempt. */
  error?: unknown
}

const UNPARSED = Symbol('unparsed')

/** At most one progress write per job in this many milliseconds (4 a second). */
export const PROGRESS_INTERVAL_MS = 250


/**
 * A job this worker has claimed. Its methods return honest booleans: `false` means the claim was
 * no longer this worker's (it lapsed and was reclaimed, or the job was cancelled), and nothing
 * changed. One class for every engine: values on SQLite, promises on PostgreSQL (`M`).
 */
export class Job<Payload = unknown, M extends Mode = 'sync'> {
  readonly id: number
  readonly queue: string
  /** The stored JSON text. */
  readonly payloadText: string
  readonly workerId: string
  /** This execution's number, 1 on the first run. */
  readonly attempts: number
  readonly maxAttempts: number
  readonly priority: number
  readonly runAt: number
  readonly createdAt: number
  readonly expiresAt: number | null
  /** Unix second until which this worker owns the job; moved by `heartbeat`. */
  claimExpiresAt: number
  readonly #ops: JobOps<M, unknown>
  readonly #visibilityTimeoutS: number
  #payload: unknown = UNPARSED
  #progressAt = -Infinity
  #pendingProgress: string | undefined
  #progressTimer: ReturnType<typeof setTimeout> | undefined

  /** @internal */
  constructor(ops: JobOps<M, unknown>, row: ClaimedRow, visibilityTimeoutS: number) {
    this.#ops = ops
    this.#visibilityTimeoutS = visibilityTimeoutS
    this.id = toNumber(row.id)
    this.queue = row.queue
    this.payloadText = row.payload
    this.workerId = row.worker_id ?? ''
    this.attempts = toNumber(row.attempts)
    this.maxAttempts = toNumber(row.max_attempts)
    this.priority = toNumber(row.priority)
    this.runAt = toNumber(row.run_at)
    this.createdAt = toNumber(row.created_at)
    this.expiresAt = row.expires_at === null ? null : toNumber(row.expires_at)
    this.claimExpiresAt = toNumber(row.claim_expires_at ?? 0)
  }

  /** The payload, parsed from JSON on first use; throws InvalidPayloadError for non-JSON text. */
  get payload(): Payload {
    if (this.#payload === UNPARSED) this.#payload = decodePayload(this.payloadText, `job ${this.id}`)
    return this.#payload as Payload
  }

  /** True when this is the last execution `maxAttempts` allows. */
  get isLastAttempt(): boolean {
    return this.attempts >= this.maxAttempts
  }

  /** Done: delete the job. */
  ack(): Result<M, boolean> {
    return mapResult(this.#ops.ack(this.queue, [this.id], this.workerId), (acked) => acked === 1)
  }

  /** Run again after `delayS`, or dead-letter with `error` when this was the last attempt. */
  retry(options: RetryOptions = {}): Result<M, boolean> {
    return settle(this.#ops.mode, () => {
      requireObject(options, 'options')
      // Bounded (100 years) so `now + delayS` stays a safe integer; a larger value is a bug, not a delay.
      const delayS = optionalInteger(options.delayS, 'delayS', { min: 0, max: MAX_SECONDS }) ?? 60
      return this.#ops.retry(this, delayS, errorText(options.error))
    })
  }

  /** Dead-letter now with `error`, whatever attempts remain. */
  fail(error?: unknown): Result<M, boolean> {
    return this.#ops.fail(this, errorText(error))
  }

  /** Keep the claim: it now expires `extendS` seconds from now (default: the visibility timeout). */
  heartbeat(extendS?: number): Result<M, boolean> {
    return settle(this.#ops.mode, () => {
      const extend = optionalInteger(extendS, 'extendS', { min: 1, max: MAX_SECONDS }) ?? this.#visibilityTimeoutS
      return mapResult(this.#ops.heartbeat(this, extend), (expiresAt) => {
        if (expiresAt === null) return false
        this.claimExpiresAt = expiresAt
        return true
      })
    })
  }

  /**
   * Report how far the job is (any JSON value), readable by every process through
   * `queue.getJob(id).progress`. Call it as often as you like: at most one write per
   * PROGRESS_INTERVAL_MS reaches the database, the latest value last. False if the claim was lost.
   */
  progress(value: unknown): Result<M, boolean> {
    return settle(this.#ops.mode, () => {
      const text = encodePayload(value, 'progress', this.#ops.maxPayloadBytes)
      const now = performance.now()
      if (this.#progressTimer === undefined && now - this.#progressAt >= PROGRESS_INTERVAL_MS) {
        this.#progressAt = now
        return this.#ops.progress(this, text)
      }
      this.#pendingProgress = text
      this.#progressTimer ??= setTimeout(() => this.#flushProgress(), PROGRESS_INTERVAL_MS - (now - this.#progressAt))
      this.#progressTimer.unref?.()
      return (this.#ops.mode === 'sync' ? true : Promise.resolve(true)) as Result<M, boolean>
    })
  }

  #flushProgress(): void {
    this.#progressTimer = undefined
    const text = this.#pendingProgress
    this.#pendingProgress = undefined
    if (text === undefined || this.#ops.closed) return
    this.#progressAt = performance.now()
    try {
      const written = this.#ops.progress(this, text)
      // A lost claim or a closed database only means the value is no longer wanted.
      if (isThenable(written)) (written as Promise<boolean>).catch(() => {})
    } catch {
      // As above.
    }
  }

  /** Hand the job back to the queue now, not counting this attempt (used on graceful shutdown). */
  release(): Result<M, boolean> {
    return this.#ops.release(this)
  }
}

