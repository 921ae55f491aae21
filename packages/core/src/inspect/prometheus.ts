/**
 * Prometheus text exposition (format 0.0.4) of queue depths, shared by `honker metrics` and the
 * dashboard's `/metrics` route. Pure formatting: the callers read the numbers from the database.
 */

/** One queue's depth. */
export interface QueueDepth {
  queue: string
  /** Pending and due now. */
  pending: number
  /** Pending with a future run_at. */
  delayed: number
  processing: number
  dead: number
  /** Seconds the oldest due pending job has waited since it became due; null when none waits. */
  oldestPendingS: number | null
}

/** The content type of the text `prometheusText` returns. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** A label value with `\`, `"` and newlines escaped, as the format requires. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

const STATES = ['pending', 'delayed', 'processing', 'dead'] as const

/** The exposition text: one family per metric, a sample per queue (and per state). */
export function prometheusText(queues: readonly QueueDepth[]): string {
  const lines: string[] = [
    '# HELP honker_queue_jobs Jobs per queue and state (pending = due now; dead = dead letters).',
    '# TYPE honker_queue_jobs gauge',
  ]
  for (const q of queues) for (const state of STATES) lines.push(`honker_queue_jobs{queue="${label(q.queue)}",state="${state}"} ${q[state]}`)
  lines.push(
    '# HELP honker_queue_oldest_pending_age_seconds Seconds the oldest due pending job has waited (0 when none waits).',
    '# TYPE honker_queue_oldest_pending_age_seconds gauge',
  )
  for (const q of queues) lines.push(`honker_queue_oldest_pending_age_seconds{queue="${label(q.queue)}"} ${q.oldestPendingS ?? 0}`)
  lines.push('# HELP honker_queues Queues with live jobs or dead letters.', '# TYPE honker_queues gauge', `honker_queues ${queues.length}`)
  return `${lines.join('\n')}\n`
}
