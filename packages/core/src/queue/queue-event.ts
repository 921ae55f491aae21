import type { QueueEventKind } from './journal.ts'
import { toNumber } from './job-row.ts'

/** One transition of one job, recorded for queues with events on, read by `queue.events()`. */
export interface QueueEvent {
  /** Increasing per database: pass the last one seen as `after` to resume. */
  id: number
  queue: string
  jobId: number
  /**
   * completed (acked), retried (an attempt failed; it runs again), failed (an attempt failed and
   * the job went to the dead letters), dead (dead-lettered without a failed attempt: expired, or
   * out of attempts after its worker died), progress (`job.progress()`), stalled (a claim expired
   * and the job was claimed again).
   */
  kind: QueueEventKind
  /** What the transition carried: `{ attempts }`, `{ error, runAt }`, `{ reason }`, `{ progress }`, `{ workerId }`. */
  data: Record<string, unknown>
  /** Unix seconds. */
  createdAt: number
}

/** A `_honker_events` row as an engine reads it. */
export interface EventRow {
  id: number | bigint | string
  queue: string
  job_id: number | bigint | string
  kind: QueueEventKind
  data: string | null
  created_at: number | bigint | string
}

export function eventFromRow(row: EventRow): QueueEvent {
  let data: Record<string, unknown> = {}
  if (row.data !== null) {
    try {
      data = JSON.parse(row.data) as Record<string, unknown>
    } catch {
      // Written by another implementation: the event still reads, without its data.
    }
  }
  return { id: toNumber(row.id), queue: row.queue, jobId: toNumber(row.job_id), kind: row.kind, data, createdAt: toNumber(row.created_at) }
}
