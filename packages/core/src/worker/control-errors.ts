import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'

/** Throw from a handler to retry after exactly `delayS` seconds instead of the backoff. */
export class RetryLaterError extends Error {
  readonly delayS: number

  constructor(delayS: number, message = `retry in ${delayS}s`) {
    super(message)
    if (!Number.isSafeInteger(delayS) || delayS < 0) {
      throw new InvalidArgumentError('delayS', `must be a whole number of seconds >= 0, got ${String(delayS)}`)
    }
    this.name = 'RetryLaterError'
    this.delayS = delayS
  }
}

/** Throw from a handler to dead-letter the job now, without the remaining attempts. */
export class UnrecoverableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UnrecoverableError'
  }
}
