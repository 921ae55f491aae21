import { ClaimedTraceContexts, EVENTS_KEPT_S, getInstrumentation, sleepUntilClaimableMs, type ClaimedRow, type Job, type WorkerStorage } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { claimLimited, wakeLimited, type ClaimLimits } from './limited-claim.ts'

/** A claimed row as the claim statements return it: with the job's stored trace context. */
type TracedRow = ClaimedRow & { trace_context?: string | null }

const EXHAUSTED_CHECK_MS = 1_000

/**
 * How long an idle consumer of `queue` may sleep: until its next delayed job or lapsing claim on
 * the engine's clock, bounded by `fallbackMs` (the worker's and `queue.claim()`'s wait).
 */
export async function sleepUntilClaimable(engine: PgEngine, queue: string, fallbackMs: number | null): Promise<number | null> {
  const { rows } = await engine.query<{ next_at: string | null; server_ms: string }>(engine.jobs.nextClaimAt, [queue])
  const nextAt = rows[0]!.next_at === null ? null : Number(rows[0]!.next_at)
  return sleepUntilClaimableMs(nextAt, engine.clockMs() ?? Number(rows[0]!.server_ms), fallbackMs)
}

/** Move the queue's expired jobs to the dead letters, then apply its retention; how many expired. */
export async function sweepAndPrune(engine: PgEngine, queue: string): Promise<number> {
  const { rows } = await engine.query<{ swept: string }>(engine.jobs.sweepExpired, [queue])
  await engine.query(engine.jobs.pruneJournal, [queue, EVENTS_KEPT_S])
  return Number(rows[0]!.swept)
}

/** The storage operations `queue.work()` hands core's worker runtime, on PostgreSQL. */
export function pgQueueWorkerStorage<Payload>(
  engine: PgEngine,
  queue: { readonly name: string; readonly visibilityTimeoutS: number },
  makeJob: (row: ClaimedRow) => Job<Payload, 'async'>,
): WorkerStorage<Payload, Job<Payload, 'async'>> {
  const { name, visibilityTimeoutS } = queue
  const traceContexts = new ClaimedTraceContexts<Job<Payload, 'async'>>()
  /** When this worker's claim last dead-lettered the queue's exhausted jobs (performance.now()). */
  let exhaustedCheckedAt = -Infinity
  return {
    queue: name,
    visibilityTimeoutS,
    maxPayloadBytes: engine.maxPayloadBytes,
    ackAndClaim: async (finished, workerId, limit) => {
      const ids = finished.map((job) => job.id)
      // The dead-letter step at most once a second per worker: exhausted jobs are never claimed,
      // so between checks they only wait to show as dead (claimBatch always runs it).
      const checkExhausted = limit > 0 && performance.now() - exhaustedCheckedAt >= EXHAUSTED_CHECK_MS
      if (checkExhausted) exhaustedCheckedAt = performance.now()
      // Concurrency 1 between exhausted checks: the statement whose prepared plan Postgres keeps.
      type Step = { acked: string[]; claimed: ClaimedRow[]; limits: ClaimLimits }
      const { rows } =
        !checkExhausted && limit === 1 && ids.length <= 1
          ? await engine.query<Step>(engine.jobs.ackOneAndClaimOne, [name, workerId, visibilityTimeoutS, ids[0] ?? null])
          : await engine.query<Step>(checkExhausted ? engine.jobs.workerAckAndClaim : engine.jobs.ackAndClaimOnly, [
              name,
              workerId,
              limit,
              visibilityTimeoutS,
              ids,
            ])
      const { limits } = rows[0]!
      const acked = new Set(rows[0]!.acked.map(Number))
      let claimed = rows[0]!.claimed
      if (limits !== null) {
        // A paused or limited queue: the plain claim took nothing; its locked claim decides.
        if (acked.size > 0) await wakeLimited(engine, name)
        if (limit > 0) claimed = await claimLimited(engine, limits, name, workerId, limit, visibilityTimeoutS)
      }
      const jobs = claimed.map(makeJob)
      if (getInstrumentation() !== undefined) traceContexts.remember(jobs, (_job, k) => (claimed[k] as TracedRow).trace_context ?? null)
      else traceContexts.forget()
      return { acked: ids.map((id) => acked.has(id)), claimed: jobs }
    },
    ackWithResult: async (job, value, ttlS) => {
      const { rows } = await engine.query<{ acked: string }>(engine.jobs.ackWithResult, [
        job.id,
        job.workerId,
        JSON.stringify(value),
        ttlS,
        wakeKey('r', job.id),
      ])
      return Number(rows[0]!.acked) === 1
    },
    // Every claim path returns the context (no promise then); the query covers a job claimed with instrumentation off.
    traceContext: (job) => {
      const stored = traceContexts.take(job)
      if (stored !== undefined) return stored
      return engine.query<{ trace_context: string | null }>(engine.jobs.traceContext, [job.id]).then(({ rows }) => rows[0]?.trace_context ?? null)
    },
    retry: (job, delayS, error) => job.retry({ delayS, error }),
    fail: (job, error) => job.fail(error),
    heartbeat: (job) => job.heartbeat(),
    release: (job) => job.release(),
    sweepExpired: () => sweepAndPrune(engine, name),
    sleepUntilClaimableMs: (fallbackMs) => sleepUntilClaimable(engine, name, fallbackMs),
    subscribe: () => engine.wake.subscribe([wakeKey('q', name)]),
    withBusyTimeout: (_timeoutMs, fn) => fn(),
  }
}
