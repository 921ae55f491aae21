import type { ResultOps } from '../engine/coordination-ops.ts'
import { HonkerError } from '../errors/honker-error.ts'
import { mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import { decodePayload, encodePayload } from '../payload.ts'
import type { Transaction } from '../transaction.ts'
import { MAX_SECONDS, optionalInteger, optionalMilliseconds, optionalSignal, requireInteger, requireObject } from '../validate.ts'

export interface SaveResultOptions<Tx = Transaction> {
  /**
   * Keep the result this many whole seconds, then hide it (and let `sweepResults` delete it).
   * Omitted or 0: keep forever (honker's `ttl_s <= 0`).
   */
  ttlS?: number
  /** Save inside this transaction (from `db.transaction`), e.g. together with the job's ack. */
  tx?: Tx
}

/**
 * What `getResult` found. `found: false` covers a result never saved, already swept and one
 * past its expiry; a saved `null` is `{ found: true, value: null }`.
 */
export type ResultLookup<T = unknown> = { found: true; value: T } | { found: false }

export interface WaitResultOptions {
  /** Reject with a HonkerError of code 'timeout' after this many milliseconds. Default: no limit. */
  timeoutMs?: number | null
  /** Stop waiting when this signal aborts; the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

function requireJobId(jobId: unknown): number {
  return requireInteger(jobId, 'jobId', { min: 1 })
}

/**
 * Job results in `_honker_results` (honker's `honker_result_*`): saved with a job's ack
 * (`resultTtlS`) or by hand, read back, awaited from any process. One class for every engine:
 * values on SQLite, promises on PostgreSQL (`M`).
 * @internal The database's `saveResult`, `getResult`, `waitResult` and `sweepResults` use it.
 */
export class Results<M extends Mode = 'sync', Tx = Transaction> {
  readonly #ops: ResultOps<M, Tx>

  constructor(ops: ResultOps<M, Tx>) {
    this.#ops = ops
  }

  /** Upsert a job's result as JSON text (honker_result_save). */
  save(jobId: number, value: unknown, options: SaveResultOptions<Tx> = {}): Result<M, void> {
    return settle(this.#ops.mode, () => {
      requireJobId(jobId)
      requireObject(options, 'options')
      const ttlS = optionalInteger(options.ttlS, 'ttlS', { min: 0, max: MAX_SECONDS }) ?? 0
      const text = encodePayload(value, 'value', this.#ops.maxPayloadBytes)
      return this.#ops.save(jobId, text, ttlS, options.tx)
    })
  }

  get<T>(jobId: number): Result<M, ResultLookup<T>> {
    return settle(this.#ops.mode, () =>
      mapResult(this.#ops.getText(requireJobId(jobId)), (text): ResultLookup<T> =>
        text === undefined ? { found: false } : { found: true, value: decodePayload(text, `result of job ${jobId}`) as T },
      ),
    )
  }

  /**
   * Resolve with a job's result once it is saved, by this process or any other. Subscribes before
   * the first read: a result committed while that read runs still leaves a pending wake, so it is
   * never missed. Wakes are hints; every one is followed by a read.
   */
  async wait<T>(jobId: number, options: WaitResultOptions = {}): Promise<T> {
    requireJobId(jobId)
    requireObject(options, 'options')
    const timeoutMs = optionalMilliseconds(options.timeoutMs, 'timeoutMs') ?? null
    const signal = optionalSignal(options.signal, 'signal')
    if (signal?.aborted) throw signal.reason
    // Real elapsed time, not the database clock: this bounds how long the caller waits.
    const deadline = timeoutMs === null ? null : performance.now() + timeoutMs
    const subscription = this.#ops.subscribe(jobId)
    try {
      for (;;) {
        const lookup = await this.get<T>(jobId)
        if (lookup.found) return lookup.value
        const left = deadline === null ? null : deadline - performance.now()
        if (left !== null && left <= 0) {
          throw new HonkerError('timeout', `waitResult: no result for job ${jobId} within ${timeoutMs} ms`)
        }
        if ((await subscription.wait({ timeoutMs: left, signal })) === 'aborted') throw signal!.reason
      }
    } finally {
      subscription.close()
    }
  }

  /** Delete expired results (honker_result_sweep); returns how many. */
  sweep(): Result<M, number> {
    return this.#ops.sweep()
  }
}
