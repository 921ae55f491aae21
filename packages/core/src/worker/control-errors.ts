import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { MAX_SECONDS } from '../validate.ts'


const retryLaterMarker = Symbol.for('honker.retry-later')
const unrecoverableMarker = Symbol.for('honker.unrecoverable')

/** Throw from a handler to retry after exactly `delayS` seconds instead of the backoff. */
export class RetryLaterError extends Error {
  readonly [retryLaterMarker] = true
  readonly delayS: number

  /** True for a RetryLaterError from any copy of the package (a handler may import another copy). */
  static isInstance(error: unknown): error is RetryLaterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[retryLaterMarker] === true
  }

  constructor(delayS: number, message = `retry in ${delayS}s`) {
    super(message)
    if (!Number.isSafeInteger(delayS) || delayS < 0 || delayS > MAX_SECONDS) {
      throw new InvalidArgumentError('delayS', `must be a whole number of seconds from 0 to ${MAX_SECONDS}, got ${String(delayS)}`)
    }
    this.name = 'RetryLaterError'
    this.delayS = delayS
  }
}

/** Throw from a handler to dead-letter the job now, without the remaining attempts. */
export class UnrecoverableError extends Error {
  readonly [unrecoverableMarker] = true

  /** True for an UnrecoverableError from any copy of the package. */
  static isInstance(error: unknown): error is UnrecoverableError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[unrecoverableMarker] === true
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UnrecoverableError'
  }
}
