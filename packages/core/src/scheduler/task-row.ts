import { toNullableNumber, toNumber } from '../queue/job-row.ts'

/**
 * A `_honker_scheduler_tasks` row as an engine reads it: integers as numbers, bigints (SQLite's
 * safe-integer handles) or strings (node-postgres's int8).
 */
export interface TaskRow {
  name: string
  queue: string
  cron_expr: string
  payload: string
  priority: number | bigint | string
  expires_s: number | bigint | string | null
  next_fire_at: number | bigint | string
  enabled: number | bigint | string
  max_attempts: number | bigint | string
}

/** A task as written by a create or a full redefinition (`enabled` is never written: a paused task stays paused). */
export interface TaskValues {
  name: string
  queue: string
  cron_expr: string
  /** JSON text, stored as it is. */
  payload: string
  priority: number
  expires_s: number | null
  next_fire_at: number
  max_attempts: number
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
