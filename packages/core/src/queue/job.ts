import { decodePayload } from '../payload.ts'
import { MAX_SECONDS, optionalInteger, requireObject } from '../validate.ts'
import { ack, errorText, fail, heartbeat, release, retry } from './transitions.ts'
import { toNullableNumber, toNumber, type LiveJobRow } from './job-row.ts'
import type { JobStore } from './job-store.ts'

export interface RetryOptions {
  /** Seconds before the job may run again. Default 60 (honker's `Job.retry`). */
  delayS?: number
  /** Stored as `last_error` if this was the last attempt. */
  error?: unknown
}

const UNPARSED = Symbol('unparsed')

/**
 * A job this worker has claimed. Its methods return honest booleans: `false` means the claim was
 * no longer this worker's (it lapsed and was reclaimed, or the job was cancelled), and nothing
 * changed.
 */
export class Job<Payload = unknown> {
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
  readonly #store: JobStore
  readonly #visibilityTimeoutS: number
  #payload: unknown = UNPARSED

  /** @internal */
  constructor(store: JobStore, row: LiveJobRow, visibilityTimeoutS: number) {
    this.#store = store
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
    this.expiresAt = toNullableNumber(row.expires_at)
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
  ack(): boolean {
    return ack(this.#store, this.id, this.workerId)
  }

  /** Run again after `delayS`, or dead-letter with `error` when this was the last attempt. */
  retry(options: RetryOptions = {}): boolean {
    requireObject(options, 'options')
    // Bounded (100 years) so `now + delayS` stays a safe integer; a larger value is a bug, not a delay.
    const delayS = optionalInteger(options.delayS, 'delayS', { min: 0, max: MAX_SECONDS }) ?? 60
    return retry(this.#store, this.id, this.workerId, delayS, errorText(options.error))
  }

  /** Dead-letter now with `error`, whatever attempts remain. */
  fail(error?: unknown): boolean {
    return fail(this.#store, this.id, this.workerId, errorText(error))
  }

  /** Keep the claim: it now expires `extendS` seconds from now (default: the visibility timeout). */
  heartbeat(extendS?: number): boolean {
    const extend = optionalInteger(extendS, 'extendS', { min: 1, max: MAX_SECONDS }) ?? this.#visibilityTimeoutS
    const expiresAt = heartbeat(this.#store, this.id, this.workerId, extend)
    if (expiresAt === null) return false
    this.claimExpiresAt = expiresAt
    return true
  }

  /** Hand the job back to the queue now, not counting this attempt (used on graceful shutdown). */
  release(): boolean {
    return release(this.#store, this.id, this.workerId)
  }
}
