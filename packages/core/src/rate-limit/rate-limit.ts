import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import type { Transaction } from '../transaction.ts'
import { requireInteger, requireName, requireObject } from '../validate.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { RATE_LIMIT_COUNT, SWEEP_RATE_LIMITS, TRY_RATE_LIMIT } from './rate-limit.sql.ts'

export interface RateLimitOptions {
  /** Calls allowed per window; a whole number >= 1. */
  limit: number
  /** Window length in whole seconds (>= 1). Windows are aligned to the unix epoch. */
  perS: number
}

export interface RateLimitTryOptions {
  /**
   * Take the slot inside this transaction (from `db.transaction`): it is given back if the
   * transaction rolls back.
   */
  tx?: Transaction
}

/**
 * A fixed-window rate limit stored in `_honker_rate_limits`, so every process and every honker
 * binding on the file shares the same counter (docs/compatibility.md 2.6). Windows start at multiples of
 * `perS` since the epoch; a burst of up to 2 x `limit` is possible across a boundary.
 */
export class RateLimit {
  readonly name: string
  readonly limit: number
  readonly perS: number
  readonly #host: Host

  /** @internal Use `db.rateLimit(name, { limit, perS })`. */
  constructor(host: Host, name: string, options: RateLimitOptions) {
    this.#host = host
    this.name = requireName(name, 'rate limit name')
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', 'must be an object with limit and perS')
    }
    this.limit = requireInteger(options.limit, 'limit', { min: 1 })
    this.perS = requireInteger(options.perS, 'perS', { min: 1 })
  }

  /**
   * Take one slot of the current window: true if the call may proceed, false if the window is
   * full. A refused call is not counted.
   *
   * ```ts
   * const emails = db.rateLimit('emails-per-user:42', { limit: 10, perS: 60 })
   * if (!emails.try()) throw new Error('slow down')
   * ```
   */
  try(options: RateLimitTryOptions = {}): boolean {
    requireObject(options, 'options')
    const executor = this.#host.executorFor(options.tx)
    const params = TRY_RATE_LIMIT.bind({ name: this.name, window_start: this.#windowStart(), limit: this.limit })
    return executor.run(TRY_RATE_LIMIT, params).changes === 1
  }

  /** Slots left in the current window (0 when full). */
  remaining(): number {
    this.#host.assertOpen()
    const row = this.#host.executor.get<{ count: number | bigint }>(
      RATE_LIMIT_COUNT,
      RATE_LIMIT_COUNT.bind({ name: this.name, window_start: this.#windowStart() }),
    )
    return Math.max(0, this.limit - (row === undefined ? 0 : toNumber(row.count)))
  }

  /** Unix second at which the current window ends and the counter starts again from zero. */
  resetsAt(): number {
    this.#host.assertOpen()
    return this.#windowStart() + this.perS
  }

  /** honker's `(now / per) * per` with integer division. */
  #windowStart(): number {
    const now = this.#host.nowS()
    return Math.floor(now / this.perS) * this.perS
  }
}

/** Delete windows that started more than `olderThanS` seconds ago; returns how many. */
export function sweepRateLimits(host: Host, olderThanS: number): number {
  requireInteger(olderThanS, 'olderThanS', { min: 0 })
  host.assertOpen()
  const cutoff = host.nowS() - olderThanS
  return host.executor.run(SWEEP_RATE_LIMITS, SWEEP_RATE_LIMITS.bind({ cutoff })).changes
}
