import { InvalidArgumentError } from './errors/invalid-argument-error.ts'

/** Argument checks shared by every public entry point; each throws `InvalidArgumentError`. */

/** Node runs a timer longer than 2^31-1 ms after 1 ms: every delay we hand to setTimeout stays below. */
export const MAX_TIMER_MS = 2 ** 31 - 1

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

/** An absolute time as a Date or whole unix seconds. */
export function toUnixSeconds(value: unknown, argument: string): number {
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw new InvalidArgumentError(argument, 'is an invalid Date')
    return Math.floor(ms / 1000)
  }
  return requireInteger(value, argument, { min: 0 })
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
