import { insertRowid, type Executor, type Mode, type Result } from '../executor/executor.ts'
import { encodePayload } from '../payload.ts'
import { MAX_SECONDS, optionalInteger, requireName, requireObject, toUnixSeconds } from '../validate.ts'
import { INSERT_JOB } from './queue.sql.ts'

/** Per-job options of `enqueue`. Times are whole seconds (docs/compatibility.md 1.5). */
export interface EnqueueOptions {
  /** Higher runs first. Default 0. */
  priority?: number
  /** Run no earlier than this many seconds from now. Wins over `runAt` (honker's rule). */
  delayS?: number
  /** Run no earlier than this moment: a Date, or whole unix seconds (not milliseconds: refused). */
  runAt?: Date | number
  /** Executions allowed before the job is dead-lettered. Default: the queue's. */
  maxAttempts?: number
  /** Drop the job (to `_honker_dead` as 'expired') if it has not run this many seconds from now. */
  expiresS?: number
}

export interface EnqueueDefaults {
  maxAttempts: number
  /** Default DEFAULT_MAX_PAYLOAD_BYTES (16 MiB). */
  maxPayloadBytes?: number
}

/**
 * Validate and normalise once, in core, so every executor binds the same values: integers only,
 * JSON text payloads, no Dates or booleans.
 * @internal
 */
export function enqueueParams(
  queue: string,
  payload: unknown,
  options: EnqueueOptions | undefined,
  defaults: EnqueueDefaults,
  now: number,
): Record<string, unknown> {
  requireName(queue, 'queue')
  requireObject(options, 'options')
  const priority = optionalInteger(options?.priority, 'priority') ?? 0
  const delayS = optionalInteger(options?.delayS, 'delayS', { min: 0, max: MAX_SECONDS })
  const runAt = options?.runAt === undefined ? undefined : toUnixSeconds(options.runAt, 'runAt')
  const maxAttempts = optionalInteger(options?.maxAttempts, 'maxAttempts', { min: 1 }) ?? defaults.maxAttempts
  const expiresS = optionalInteger(options?.expiresS, 'expiresS', { min: 1, max: MAX_SECONDS })
  const text = encodePayload(payload, 'payload', defaults.maxPayloadBytes)
  return {
    queue,
    payload: text,
    priority,
    run_at: delayS !== undefined ? now + delayS : (runAt ?? now),
    max_attempts: maxAttempts,
    now,
    expires_at: expiresS === undefined ? null : now + expiresS,
  }
}

/**
 * Insert many jobs that share their options through any executor (inside the caller's transaction):
 * the options are checked once and each job only encodes its payload into a bound row, which is
 * most of what a 100-job batch costs otherwise.
 */
export function enqueueManyWith<M extends Mode>(
  executor: Executor<M>,
  queue: string,
  payloads: readonly unknown[],
  options: EnqueueOptions | undefined,
  defaults: EnqueueDefaults,
  now: number,
): Result<M, number>[] {
  if (payloads.length === 0) return []
  const fields = enqueueParams(queue, null, options, defaults, now)
  const row = INSERT_JOB.bind(fields)
  const payloadAt = INSERT_JOB.params.indexOf('payload')
  return payloads.map((payload) => {
    // A sync driver binds the values before returning, so one row array serves every job; an
    // async executor may bind later and gets its own copy.
    const bound = executor.mode === 'sync' ? row : row.slice()
    bound[payloadAt] = encodePayload(payload, 'payload', defaults.maxPayloadBytes)
    return insertRowid(executor, INSERT_JOB, bound, 'id')
  })
}

/**
 * Insert one job through any executor: returns the id synchronously on a sync executor (call it
 * inside the transaction callback, without `await`) and a promise on an async one.
 */
export function enqueueWith<M extends Mode>(
  executor: Executor<M>,
  queue: string,
  payload: unknown,
  options: EnqueueOptions | undefined,
  defaults: EnqueueDefaults,
  now: number,
): Result<M, number> {
  const params = INSERT_JOB.bind(enqueueParams(queue, payload, options, defaults, now))
  return insertRowid(executor, INSERT_JOB, params, 'id')
}

/** honker's defaults for a queue: 3 executions per job, a 300 s claim. */
export const DEFAULT_MAX_ATTEMPTS = 3
export const DEFAULT_VISIBILITY_TIMEOUT_S = 300

export function requireQueueDefaults(options: { maxAttempts?: number; visibilityTimeoutS?: number } | undefined): {
  maxAttempts: number
  visibilityTimeoutS: number
} {
  requireObject(options, 'options')
  return {
    maxAttempts: optionalInteger(options?.maxAttempts, 'maxAttempts', { min: 1 }) ?? DEFAULT_MAX_ATTEMPTS,
    // Bounded like every other duration (100 years) so `now + visibilityTimeoutS` stays a safe integer.
    visibilityTimeoutS: optionalInteger(options?.visibilityTimeoutS, 'visibilityTimeoutS', { min: 1, max: MAX_SECONDS }) ??
      DEFAULT_VISIBILITY_TIMEOUT_S,
  }
}
