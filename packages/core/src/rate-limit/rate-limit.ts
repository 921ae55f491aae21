import type { RateLimitOps } from '../engine/coordination-ops.ts'
import { mapResult, settle, type Mode, type Result } from '../executor/executor.ts'
import type { Transaction } from '../transaction.ts'
import { requireInteger, requireName, requireObject } from '../validate.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'

export interface RateLimitOptions {
  /** Calls allowed per window; a whole number >= 1. */
  limit: number
  /** Window length in whole seconds (>= 1). Windows are aligned to the unix epoch. */
  perS: number
}

export interface RateLimitTryOptions<Tx = Transaction> {
  /**
   * Take the slot inside this transaction (from `db.transaction`): it is given back if the
   * transaction rolls back.
   */
  tx?: Tx
}

/**
 * A fixed-window rate limit stored in `_honker_rate_limits`, so every process and every honker
 * binding on the database shares the same counter (docs/compatibility.md 2.6). Windows start at
 * multiples of `perS` since the epoch; a burst of up to 2 x `limit` is possible across a boundary.
 * One class for every engine: values on SQLite, promises on PostgreSQL (`M`).
 */
export class RateLimit<M extends Mode = 'sync', Tx = Transaction> {
  readonly name: string
  readonly limit: number
  readonly perS: number
  readonly #ops: RateLimitOps<M, Tx>

  /** @internal Use `db.rateLimit(name, { limit, perS })`. */
  constructor(ops: RateLimitOps<M, Tx>, name: string, options: RateLimitOptions) {
    this.#ops = ops
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
  try(options: RateLimitTryOptions<Tx> = {}): Result<M, boolean> {
    return settle(this.#ops.mode, () => {
      requireObject(options, 'options')
      return this.#ops.tryTake(this.name, this.limit, this.perS, options.tx)
    })
  }

  /** Slots left in the current window (0 when full). */
  remaining(): Result<M, number> {
    return mapResult(this.#ops.state(this.name, this.perS), ({ count }) => Math.max(0, this.limit - count))
  }

  /** Unix second at which the current window ends and the counter starts again from zero. */
  resetsAt(): Result<M, number> {
    return mapResult(this.#ops.state(this.name, this.perS), ({ windowStart }) => windowStart + this.perS)
  }
}

/** Delete windows that started more than `olderThanS` seconds ago; returns how many. */
export function sweepRateLimits<M extends Mode>(ops: RateLimitOps<M, unknown>, olderThanS: number): Result<M, number> {
  return settle(ops.mode, () => ops.sweep(requireInteger(olderThanS, 'olderThanS', { min: 0 })))
}
