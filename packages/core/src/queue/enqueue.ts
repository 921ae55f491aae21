import { insertRowid, insertRowidIfNew, mapResult, type Executor, type Mode, type Result } from '../executor/executor.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { encodePayload } from '../payload.ts'
import { MAX_SECONDS, optionalInteger, requireName, requireObject, toUnixSeconds } from '../validate.ts'
import { INSERT_DEAD, INSERT_JOB, INSERT_KEYED_JOB, GET_KEY_HOLDER, TAKE_JOB } from './queue.sql.ts'
import { deadParams, type LiveJobRow } from './job-row.ts'
import { getInstrumentation } from '../instrumentation.ts'
import { INSERT_TRACED_JOB } from './trace.sql.ts'

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
  /**
   * At most one live job (pending, delayed or processing) per key and queue. With a key, `enqueue`
   * returns `{ id, created }`: the new job's id, or the id of the job that holds the key and
   * `created: false`. The key is free again once its job is acked, dead-lettered, cancelled or expired.
   */
  uniqueKey?: string
  /**
   * The job's group (a tenant, say): a queue's `groupConcurrency` limits how many jobs of one group
   * run at once, and claims interleave groups so one group's backlog cannot starve another's.
   */
  group?: string
}

/** What `enqueue` with a `uniqueKey` returns. */
export interface UniqueEnqueueResult {
  /** The new job, or the live job that holds the key. */
  id: number
  /** False when a live job already held the key and nothing was inserted. */
  created: boolean
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
  const uniqueKey = options?.uniqueKey === undefined ? null : requireName(options.uniqueKey, 'uniqueKey')
  const group = options?.group === undefined ? null : requireName(options.group, 'group')
  const text = encodePayload(payload, 'payload', defaults.maxPayloadBytes)
  return {
    unique_key: uniqueKey,
    group_key: group,
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
  if (options?.uniqueKey !== undefined) throw new InvalidArgumentError('uniqueKey', 'holds for one job: enqueue each job with its own key')
  if (payloads.length === 0) return []
  const fields = enqueueParams(queue, null, options, defaults, now)
  const instrumentation = getInstrumentation()
  if (instrumentation === undefined) return insertMany(executor, payloads, fields, defaults, null)
  return instrumentation.enqueue(queue, payloads.length, (traceContext) => insertMany(executor, payloads, fields, defaults, traceContext))
}

function insertMany<M extends Mode>(
  executor: Executor<M>,
  payloads: readonly unknown[],
  fields: Record<string, unknown>,
  defaults: EnqueueDefaults,
  traceContext: string | null,
): Result<M, number>[] {
  const insert = traceContext !== null ? INSERT_TRACED_JOB : fields.group_key === null ? INSERT_JOB : INSERT_KEYED_JOB
  const row = insert.bind(traceContext === null ? fields : { ...fields, trace_context: traceContext })
  const payloadAt = insert.params.indexOf('payload')
  return payloads.map((payload) => {
    // A sync driver binds the values before returning, so one row array serves every job; an
    // async executor may bind later and gets its own copy.
    const bound = executor.mode === 'sync' ? row : row.slice()
    bound[payloadAt] = encodePayload(payload, 'payload', defaults.maxPayloadBytes)
    return insertRowid(executor, insert, bound, 'id')
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
  options: EnqueueOptions & { uniqueKey: string },
  defaults: EnqueueDefaults,
  now: number,
): Result<M, UniqueEnqueueResult>
export function enqueueWith<M extends Mode>(
  executor: Executor<M>,
  queue: string,
  payload: unknown,
  options: (EnqueueOptions & { uniqueKey?: undefined }) | undefined,
  defaults: EnqueueDefaults,
  now: number,
): Result<M, number>
export function enqueueWith<M extends Mode>(
  executor: Executor<M>,
  queue: string,
  payload: unknown,
  options: EnqueueOptions | undefined,
  defaults: EnqueueDefaults,
  now: number,
): Result<M, number | UniqueEnqueueResult>
export function enqueueWith<M extends Mode>(
  executor: Executor<M>,
  queue: string,
  payload: unknown,
  options: EnqueueOptions | undefined,
  defaults: EnqueueDefaults,
  now: number,
): Result<M, number | UniqueEnqueueResult> {
  const fields = enqueueParams(queue, payload, options, defaults, now)
  const instrumentation = getInstrumentation()
  if (instrumentation === undefined) return insertOne(executor, fields, null)
  return instrumentation.enqueue(queue, 1, (traceContext) => insertOne(executor, fields, traceContext))
}

/**
 * `enqueueWith` with the trace context already taken (the caller runs the instrumentation's
 * enqueue hook around several steps of one enqueue).
 * @internal
 */
export function enqueueTraced<M extends Mode>(
  executor: Executor<M>,
  queue: string,
  payload: unknown,
  options: EnqueueOptions | undefined,
  defaults: EnqueueDefaults,
  now: number,
  traceContext: string | null,
): Result<M, number | UniqueEnqueueResult> {
  return insertOne(executor, enqueueParams(queue, payload, options, defaults, now), traceContext)
}

function insertOne<M extends Mode>(executor: Executor<M>, fields: Record<string, unknown>, traceContext: string | null): Result<M, number | UniqueEnqueueResult> {
  if (traceContext !== null) fields.trace_context = traceContext
  if (fields.unique_key !== null) return insertUnique(executor, fields)
  if (traceContext !== null) return insertRowid(executor, INSERT_TRACED_JOB, INSERT_TRACED_JOB.bind(fields), 'id')
  if (fields.group_key !== null) return insertRowid(executor, INSERT_KEYED_JOB, INSERT_KEYED_JOB.bind(fields), 'id')
  return insertRowid(executor, INSERT_JOB, INSERT_JOB.bind(fields), 'id')
}

/**
 * The fast path of a unique enqueue outside any transaction: the one INSERT, atomic on its own.
 * Undefined when the key is held; the caller then runs `enqueueWith` in a write transaction,
 * which reads the holder (and takes it out if it expired).
 */
export function tryInsertUnique(
  executor: Executor<'sync'>,
  queue: string,
  payload: unknown,
  options: EnqueueOptions | undefined,
  defaults: EnqueueDefaults,
  now: number,
  traceContext: string | null = null,
): UniqueEnqueueResult | undefined {
  const fields = enqueueParams(queue, payload, options, defaults, now)
  const insert = traceContext === null ? INSERT_KEYED_JOB : INSERT_TRACED_JOB
  const id = insertRowidIfNew(executor, insert, insert.bind(traceContext === null ? fields : { ...fields, trace_context: traceContext }), 'id')
  return id === undefined ? undefined : { id, created: true }
}

/**
 * Insert unless a live job holds the key. An expired holder never blocks its key: it goes to the
 * dead letters ('expired') first, as the sweep would have moved it, and the insert runs again.
 * Callers run this inside one transaction (the caller's, or the engine's write).
 */
function insertUnique<M extends Mode>(executor: Executor<M>, fields: Record<string, unknown>): Result<M, UniqueEnqueueResult> {
  const statement = fields.trace_context == null ? INSERT_KEYED_JOB : INSERT_TRACED_JOB
  const insert = (): Result<M, number | undefined> => insertRowidIfNew(executor, statement, statement.bind(fields), 'id')
  return chainResult(insert(), (id) => {
    if (id !== undefined) return { id, created: true } as UniqueEnqueueResult
    return chainResult(executor.all<{ id: number | bigint; expired: number | bigint | boolean }>(GET_KEY_HOLDER, GET_KEY_HOLDER.bind(fields)), (holders) => {
      const holder = holders[0]
      if (holder === undefined) throw new Error('insert_keyed_job: the key conflicted, but no live job holds it')
      if (!holder.expired) return { id: Number(holder.id), created: false } as UniqueEnqueueResult
      return chainResult(executor.all<LiveJobRow>(TAKE_JOB, TAKE_JOB.bind({ id: holder.id })), (taken) =>
        chainResult(
          taken[0] === undefined ? undefined : executor.run(INSERT_DEAD, INSERT_DEAD.bind(deadParams(taken[0], 'expired', Number(fields.now)))),
          () => mapResult(insert(), (again) => ({ id: again!, created: true })),
        ),
      )
    })
  }) as Result<M, UniqueEnqueueResult>
}

/** `mapResult` for a step that itself answers now or later. */
function chainResult<M extends Mode, A, B>(value: Result<M, A> | A, fn: (a: A) => Result<M, B> | B): Result<M, B> {
  return mapResult(value as Result<M, A>, fn as (a: A) => B) as Result<M, B>
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
