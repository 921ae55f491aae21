import { toNullableNumber, toNumber } from '../queue/job-row.ts'

/** A `_honker_scheduler_tasks` row as SQLite returns it (integers may be bigint on safe-integer handles). */
export interface TaskRow {
  name: string
  queue: string
  cron_expr: string
  payload: string
  priority: number | bigint
  expires_s: number | bigint | null
  next_fire_at: number | bigint
  enabled: number | bigint
  max_attempts: number | bigint
}

/** One registered schedule, as `scheduler.list()` reports it. Times are unix seconds. */
export interface ScheduledTask<Payload = unknown> {
  name: string
  queue: string
  /** The schedule expression (`cron_expr`): 5 or 6 cron fields, or `@every <n><unit>`. */
  schedule: string
  /** The payload every fired job gets, parsed; `undefined` if another writer stored text that is not JSON. */
  payload: Payload
  /** The stored JSON text, exactly as fired jobs receive it. */
  payloadText: string
  priority: number
  /** Fired jobs expire this many seconds after they are enqueued; null = never. */
  expiresS: number | null
  /** The next boundary that has not fired yet. */
  nextFireAt: number
  /** False while paused. */
  enabled: boolean
  maxAttempts: number
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export function taskRowToTask<Payload>(row: TaskRow): ScheduledTask<Payload> {
  return {
    name: row.name,
    queue: row.queue,
    schedule: row.cron_expr,
    payload: parseOrUndefined(row.payload) as Payload,
    payloadText: row.payload,
    priority: toNumber(row.priority),
    expiresS: toNullableNumber(row.expires_s),
    nextFireAt: toNumber(row.next_fire_at),
    enabled: toNumber(row.enabled) !== 0,
    maxAttempts: toNumber(row.max_attempts),
  }
}
