import { COUNT_CAP, type CappedCount, type DashboardJob, type FinishedJob, type ScheduleSummary } from './model.ts'

/**
 * Honker's rows as the dashboard shows them. Integers come back as numbers, bigints (SQLite's
 * safe-integer handles) or strings (node-postgres's int8); text columns may be null.
 */
export type Row = Record<string, unknown>

export const num = (value: unknown): number =>
  typeof value === 'number' ? value : typeof value === 'bigint' || typeof value === 'string' ? Number(value) : 0

export const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value))

/** A count read with `LIMIT COUNT_CAP + 1`: at the cap, it says "at least". */
export const capped = (value: unknown): CappedCount => {
  const n = num(value)
  return n > COUNT_CAP ? { value: COUNT_CAP, atLeast: true } : { value: n, atLeast: false }
}

/** Whether the database has queue features' `_honker_history` with the columns read here. */
export function hasHistory(tables: Map<string, Set<string>>): boolean {
  const columns = tables.get('_honker_history')
  return columns !== undefined && ['id', 'queue', 'state', 'payload', 'finished_at'].every((column) => columns.has(column))
}

export function finishedFromRow(row: Row): FinishedJob {
  return {
    id: num(row.id),
    queue: String(row.queue),
    state: String(row.state),
    payloadText: String(row.payload),
    priority: num(row.priority),
    runAt: num(row.run_at),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    createdAt: num(row.created_at),
    finishedAt: num(row.finished_at),
    lastError: text(row.last_error),
    resultText: text(row.result),
    progressText: text(row.progress),
  }
}

/** A history row in the shape of a job list's rows. */
export function historyJob(job: FinishedJob): DashboardJob {
  return {
    id: job.id,
    queue: job.queue,
    payloadText: job.payloadText,
    state: job.state,
    priority: job.priority,
    runAt: job.runAt,
    workerId: null,
    claimExpiresAt: null,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt,
    expiresAt: null,
    lastError: job.lastError,
    diedAt: null,
    finishedAt: job.finishedAt,
  }
}

export function scheduleFromRow(row: Row): ScheduleSummary {
  return {
    name: String(row.name),
    queue: String(row.queue),
    schedule: String(row.cron_expr),
    nextFireAt: num(row.next_fire_at),
    paused: row.enabled !== undefined && num(row.enabled) === 0,
    priority: num(row.priority),
    maxAttempts: row.max_attempts === undefined ? 3 : num(row.max_attempts),
    payloadText: String(row.payload),
  }
}
