import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { MAX_SECONDS } from '../validate.ts'

/**
 * Exponential backoff between attempts of a failing job, in whole seconds (the queue's
 * resolution): `min(maxS, baseS * factor^(attempt-1))`, minus up to `jitter` of it at random so
 * a burst of failures does not retry in lock step.
 */
export interface BackoffOptions {
  /** Delay after the first failed attempt. Default 5 s. */
  baseS?: number
  /** Growth per attempt. Default 2. */
  factor?: number
  /** Upper bound. Default 3600 s. */
  maxS?: number
  /** Fraction (0 to 1) of the delay taken off at random. Default 0.2. */
  jitter?: number
}


export type ResolvedBackoff = Required<BackoffOptions>

export function resolveBackoff(options: BackoffOptions | undefined): ResolvedBackoff {
  const resolved = { baseS: 5, factor: 2, maxS: 3600, jitter: 0.2, ...options }
  for (const key of ['baseS', 'factor', 'maxS'] as const) {
    const value = resolved[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`backoff.${key}`, `must be a non-negative number, got ${String(value)}`)
    }
  }
  if (resolved.baseS > MAX_SECONDS || resolved.maxS > MAX_SECONDS) {
    throw new InvalidArgumentError('backoff', `baseS and maxS must be at most ${MAX_SECONDS} s (100 years)`)
  }
  if (typeof resolved.jitter !== 'number' || !(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new InvalidArgumentError('backoff.jitter', `must be between 0 and 1, got ${String(resolved.jitter)}`)
  }
  return resolved
}

/** Delay in seconds before attempt `attempt + 1`, where `attempt` (1-based) is the one that failed. */
export function backoffDelayS(attempt: number, backoff: ResolvedBackoff, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1)
  const raw = Math.min(backoff.maxS, backoff.baseS * backoff.factor ** exponent)
  const jittered = raw * (1 - backoff.jitter * random())
  return Math.max(0, Math.round(jittered))
}
