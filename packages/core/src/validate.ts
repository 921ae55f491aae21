import { InvalidArgumentError } from './errors/invalid-argument-error.ts'

/** Argument checks shared by every public entry point; each throws `InvalidArgumentError`. */

/** Node runs a timer longer than 2^31-1 ms after 1 ms: every delay we hand to setTimeout stays below. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** Upper bound of every duration in seconds: far beyond any real one, and `now + it` stays a safe integer. */
export const MAX_SECONDS = 100 * 365 * 24 * 3600

export function requireName(value: unknown, argument: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(argument, `must be a string, got ${typeof value}`)
  if (value.length === 0) throw new InvalidArgumentError(argument, 'must not be empty')
  return value
}

export function requireInteger(value: unknown, argument: string, range: { min?: number; max?: number } = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(argument, `must be a whole number, got ${String(value)}`)
  }
  if (range.min !== undefined && value < range.min) {
    throw new InvalidArgumentError(argument, `must be >= ${range.min}, got ${value}`)
  }
  if (range.max !== undefined && value > range.max) {
    throw new InvalidArgumentError(argument, `must be <= ${range.max}, got ${value}`)
  }
  return value
}

export function optionalInteger(
  value: unknown,
  argument: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  return value === undefined ? undefined : requireInteger(value, argument, range)
}

/** A non-negative number of milliseconds (timeouts), or null/undefined to disable. */
export function optionalMilliseconds(value: unknown, argument: string): number | null | undefined {
  if (value === undefined || value === null) return value
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(argument, `must be a non-negative number of milliseconds, got ${String(value)}`)
  }
  return value
}

/**
 * An absolute time as a Date or whole unix seconds, at most 100 years ahead. A number that is only
 * plausible as milliseconds (`Date.now() + 60_000`) would otherwise schedule a job millennia away
 * with no error, so it is refused with a message that says what happened.
 */
export function toUnixSeconds(value: unknown, argument: string): number {
  const latest = Math.floor(Date.now() / 1000) + MAX_SECONDS
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw new InvalidArgumentError(argument, 'is an invalid Date')
    const seconds = Math.floor(ms / 1000)
    if (seconds < 0 || seconds > latest) throw new InvalidArgumentError(argument, `must be between 1970 and 100 years from now, got ${value.toISOString()}`)
    return seconds
  }
  const seconds = requireInteger(value, argument, { min: 0 })
  if (seconds > latest) {
    const hint = seconds / 1000 <= latest
      ? ' It looks like milliseconds (Date.now()): times are whole unix seconds, so pass Math.floor(ms / 1000) or a Date.'
      : ''
    throw new InvalidArgumentError(argument, `must be whole unix seconds at most 100 years from now, got ${seconds}.${hint}`)
  }
  return seconds
}

export function requireFunction(value: unknown, argument: string): void {
  if (typeof value !== 'function') throw new InvalidArgumentError(argument, 'must be a function')
}

export function requireObject(value: unknown, argument: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new InvalidArgumentError(argument, 'must be an options object')
  }
}

/** Reject an AbortSignal-shaped value that is not one (a common mistake: passing a controller). */
export function optionalSignal(value: unknown, argument: string): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof AbortSignal)) throw new InvalidArgumentError(argument, 'must be an AbortSignal')
  return value
}
