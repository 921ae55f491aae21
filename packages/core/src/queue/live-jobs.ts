import { liveRowToInfo, toNumber, type JobInfo, type LiveJobRow } from './job-row.ts'
import type { JobStore } from './job-store.ts'
import { LIST_LIVE_JOBS, RELEASE_CLAIMS, SELECT_CLAIMED } from './queue.sql.ts'

/**
 * Operator views of `_honker_live`: list live jobs, and hand claimed jobs back to the queue
 * whatever worker holds them (a crashed worker's jobs, without waiting out its visibility
 * timeout). A worker's own shutdown uses `job.release()`; both give the attempt back.
 */

/** Which live jobs `listJobs` returns: 'pending' is due now, 'delayed' is pending with a future run_at. */
export type LiveJobState = 'pending' | 'delayed' | 'processing'

export interface ListJobsOptions {
  /** Only this state. Default: every live job. */
  state?: LiveJobState
  /** Most jobs returned. Default 100. */
  limit?: number
  /** Only jobs with a greater id (the last id of the previous page). Default 0. */
  afterId?: number
}

export interface ReleaseClaimsOptions {
  /** Only these job ids. Default: every claimed job of the queue. */
  ids?: readonly number[]
  /** Only jobs claimed by this worker id. */
  workerId?: string
  /**
   * Release claims that are still live too (their worker may still be running the job: its ack
   * will then fail and its handler's signal aborts at the next heartbeat). Default false: only
   * claims that have lapsed are released.
   */
  force?: boolean
}

export interface ReleaseClaimsResult {
  /** Jobs put back to pending, ascending. */
  released: number[]
  /** Matching jobs left alone because their claim is live (only without `force`), ascending by id. */
  live: JobInfo[]
}

/** A page of live jobs of `queue` (or of every queue when null), in id order; arguments checked by the caller. */
export function listLiveJobs(store: JobStore, queue: string | null, state: LiveJobState | null, afterId: number, limit: number): JobInfo[] {
  store.assertOpen()
  const rows = store.executor.all<LiveJobRow>(
    LIST_LIVE_JOBS,
    LIST_LIVE_JOBS.bind({ queue, state, now: store.nowS(), after_id: afterId, limit }),
  )
  return rows.map(liveRowToInfo)
}

/**
 * Put claimed (processing) jobs of `queue` back to pending in one transaction, giving back the
 * attempt their claim counted, as `job.release()` does. Without `force` only lapsed claims are
 * released; the live ones are returned in `live`.
 */
export function releaseClaims(store: JobStore, queue: string, ids: readonly number[] | null, workerId: string | null, force: boolean): ReleaseClaimsResult {
  if (ids?.length === 0) return { released: [], live: [] }
  return store.write(() => {
    const now = store.nowS()
    const target = { queue, ids: ids === null ? null : JSON.stringify(ids), worker_id: workerId }
    const claimed = store.executor.all<LiveJobRow>(SELECT_CLAIMED, SELECT_CLAIMED.bind(target))
    const rows = store.executor.all<{ id: number | bigint }>(RELEASE_CLAIMS, RELEASE_CLAIMS.bind({ ...target, now, force: force ? 1 : 0 }))
    const released = rows.map((row) => toNumber(row.id)).sort((a, b) => a - b)
    const done = new Set(released)
    return { released, live: claimed.filter((row) => !done.has(toNumber(row.id))).map(liveRowToInfo) }
  })
}
