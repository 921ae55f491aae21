import type { ClaimedRow } from '../engine/job-ops.ts'
import type { Host } from '../host.ts'
import { Results } from '../result/results.ts'
import { sqliteResultOps } from '../result/sqlite-result-ops.ts'
import type { WorkerStorage } from '../worker/worker-storage.ts'
import { claimRowsInTransaction, nextClaimAt, sleepUntilClaimableMs, sweepExpired } from './claim.ts'
import type { Job } from './job.ts'
import { readJournal } from './journal.ts'
import { SET_HISTORY_RESULT } from './journal.sql.ts'
import { GET_TRACE_CONTEXT } from './trace.sql.ts'
import { getInstrumentation } from '../instrumentation.ts'
import { ClaimedTraceContexts } from '../worker/claimed-trace-contexts.ts'

/**
 * The operations `queue.work()` hands its worker on SQLite: the queue's claim, transitions and
 * sweep on the database, bound to one queue. The worker runs nothing else against storage.
 * @internal
 */
export function queueWorkerStorage<Payload>(
  host: Host,
  queue: { readonly name: string; readonly visibilityTimeoutS: number },
  makeJob: (row: ClaimedRow) => Job<Payload>,
): WorkerStorage<Payload, Job<Payload>> {
  const { name, visibilityTimeoutS } = queue
  const results = new Results(sqliteResultOps(host))
  const traceContexts = new ClaimedTraceContexts<Job<Payload>>()
  // The grouped claim path returns no contexts: those are probed inside the claim's write
  // transaction (a read of its own would open a read transaction per job).
  const readTraceContext = (job: Job<Payload>): string | null =>
    host.executor.get<{ trace_context: string | null }>(GET_TRACE_CONTEXT, [job.id])?.trace_context ?? null
  return {
    queue: name,
    visibilityTimeoutS,
    get maxPayloadBytes() {
      return host.maxPayloadBytes
    },
    ackAndClaim: (finished, workerId, limit) =>
      host.write(() => {
        const acked = finished.map((job) => job.ack())
        if (limit <= 0) return { acked, claimed: [] }
        const traced = getInstrumentation() !== undefined
        const rows = claimRowsInTransaction(host, name, workerId, limit, visibilityTimeoutS, traced)
        const claimed = rows.map(makeJob)
        if (traced) {
          traceContexts.remember(claimed, (job, k) => {
            const stored = rows[k]!.trace_context
            return stored !== undefined ? stored : readTraceContext(job)
          })
        } else {
          traceContexts.forget()
        }
        return { acked, claimed }
      }),
    ackWithResult: (job, value, ttlS) =>
      host.write(() => {
        if (!job.ack()) return false
        results.save(job.id, value, { ttlS })
        // A kept history row carries the result too, for as long as the history keeps the job.
        if (readJournal(host, name)?.history === true) host.executor.run(SET_HISTORY_RESULT, SET_HISTORY_RESULT.bind({ id: job.id, result: JSON.stringify(value) }))
        return true
      }),
    retry: (job, delayS, error) => job.retry({ delayS, error }),
    fail: (job, error) => job.fail(error),
    heartbeat: (job) => job.heartbeat(),
    release: (job) => job.release(),
    sweepExpired: () => sweepExpired(host, name),
    sleepUntilClaimableMs: (fallbackMs) => sleepUntilClaimableMs(nextClaimAt(host, name), host.nowMs(), fallbackMs),
    traceContext: (job) => {
      const stored = traceContexts.take(job)
      return stored !== undefined ? stored : readTraceContext(job)
    },
    subscribe: () => host.subscribe(),
    withBusyTimeout: (timeoutMs, fn) => host.withBusyTimeout(timeoutMs, fn),
  }
}
