import { decodePayload, errorText, MAX_SECONDS, optionalInteger, requireObject, type WorkerJob } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { nullableNum, num, type PgJobRow } from './job-row.ts'

export interface RetryOptions {
  /** Seconds before the job may run again. Default 60. */
  delayS?: number
  /** Stored as `last_error` if this was the last attempt. */
  error?: unknown
}

const UNPARSED = Symbol('unparsed')

/**
 * A job this worker has claimed, as on SQLite (`@honker/core`'s Job) with methods that return
 * promises. `false` means the claim was no longer this worker's, and nothing changed.
 */
export class PgJob<Payload = unknown> implements WorkerJob {
  readonly id: number
  readonly queue: string
  readonly payloadText: string
  readonly workerId: string
  readonly attempts: number
  readonly maxAttempts: number
  readonly priority: number
  readonly runAt: number
  readonly createdAt: number
  readonly expiresAt: number | null
  claimExpiresAt: number
  readonly #engine: PgEngine
  readonly #visibilityTimeoutS: number
  #payload: unknown = UNPARSED

  /** @internal */
  constructor(engine: PgEngine, row: PgJobRow, visibilityTimeoutS: number) {
    this.#engine = engine
    this.#visibilityTimeoutS = visibilityTimeoutS
    this.id = num(row.id)
    this.queue = row.queue
    this.payloadText = row.payload
    this.workerId = row.worker_id ?? ''
    this.attempts = num(row.attempts)
    this.maxAttempts = num(row.max_attempts)
    this.priority = num(row.priority)
    this.runAt = num(row.run_at)
    this.createdAt = num(row.created_at)
    this.expiresAt = nullableNum(row.expires_at)
    this.claimExpiresAt = num(row.claim_expires_at ?? 0)
  }

  get payload(): Payload {
    if (this.#payload === UNPARSED) this.#payload = decodePayload(this.payloadText, `job ${this.id}`)
    return this.#payload as Payload
  }

  get isLastAttempt(): boolean {
    return this.attempts >= this.maxAttempts
  }

  async ack(): Promise<boolean> {
    const { rowCount } = await this.#engine.query(this.#engine.jobs.ack, [[this.id], this.workerId])
    return rowCount === 1
  }

  async retry(options: RetryOptions = {}): Promise<boolean> {
    requireObject(options, 'options')
    const delayS = optionalInteger(options.delayS, 'delayS', { min: 0, max: MAX_SECONDS }) ?? 60
    return this.retryAfter(delayS, options.error)
  }

  /** @internal The worker's retry, its delay already checked. */
  async retryAfter(delayS: number, error: unknown): Promise<boolean> {
    const { rows } = await this.#engine.query<{ done: string }>(this.#engine.jobs.retry, [
      this.id,
      this.workerId,
      delayS,
      errorText(error),
      wakeKey('q', this.queue),
    ])
    return Number(rows[0]!.done) === 1
  }

  async fail(error?: unknown): Promise<boolean> {
    const { rowCount } = await this.#engine.query(this.#engine.jobs.fail, [this.id, this.workerId, errorText(error)])
    return rowCount === 1
  }

  async heartbeat(extendS?: number): Promise<boolean> {
    const extend = optionalInteger(extendS, 'extendS', { min: 1, max: MAX_SECONDS }) ?? this.#visibilityTimeoutS
    const { rows } = await this.#engine.query<{ claim_expires_at: string }>(this.#engine.jobs.heartbeat, [this.id, this.workerId, extend])
    if (rows.length === 0) return false
    this.claimExpiresAt = Number(rows[0]!.claim_expires_at)
    return true
  }

  async release(): Promise<boolean> {
    const { rows } = await this.#engine.query<{ released: string }>(this.#engine.jobs.release, [this.id, this.workerId, wakeKey('q', this.queue)])
    return Number(rows[0]!.released) === 1
  }
}
