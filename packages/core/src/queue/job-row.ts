/** A `_honker_live` row as SQLite returns it (integers may be bigint on safe-integer handles). */
export interface LiveJobRow {
  id: number | bigint
  queue: string
  payload: string
  state: 'pending' | 'processing'
  priority: number | bigint
  run_at: number | bigint
  worker_id: string | null
  claim_expires_at: number | bigint | null
  attempts: number | bigint
  max_attempts: number | bigint
  created_at: number | bigint
  expires_at: number | bigint | null
  /** Read only by an instrumented claim (SELECT_CLAIMABLE_TRACED); absent otherwise. */
  trace_context?: string | null
}

/** A `_honker_live` row read in array mode, columns in the order of queue.sql.ts's JOB_COLUMNS. */
export type LiveJobTuple = [
  id: number | bigint,
  queue: string,
  payload: string,
  state: 'pending' | 'processing',
  priority: number | bigint,
  run_at: number | bigint,
  worker_id: string | null,
  claim_expires_at: number | bigint | null,
  attempts: number | bigint,
  max_attempts: number | bigint,
  created_at: number | bigint,
  expires_at: number | bigint | null,
]

/** SELECT_CLAIMABLE_TRACED's row: a job's columns, then its stored trace context. */
export type TracedJobTuple = [...LiveJobTuple, traceContext: string | null]

export function tracedRowFromTuple(tuple: TracedJobTuple): LiveJobRow {
  const row = liveRowFromTuple(tuple as unknown as LiveJobTuple)
  row.trace_context = tuple[12]
  return row
}

/** Hot paths read rows as arrays: better-sqlite3 builds a plain array faster than a keyed object. */
export function liveRowFromTuple(tuple: LiveJobTuple): LiveJobRow {
  return {
    id: tuple[0],
    queue: tuple[1],
    payload: tuple[2],
    state: tuple[3],
    priority: tuple[4],
    run_at: tuple[5],
    worker_id: tuple[6],
    claim_expires_at: tuple[7],
    attempts: tuple[8],
    max_attempts: tuple[9],
    created_at: tuple[10],
    expires_at: tuple[11],
  }
}

/** A `_honker_dead` row. */
export interface DeadJobRow {
  id: number | bigint
  queue: string
  payload: string
  priority: number | bigint
  run_at: number | bigint
  attempts: number | bigint
  max_attempts: number | bigint
  last_error: string | null
  created_at: number | bigint
  died_at: number | bigint
}

/** Where a job is, as `getJob` reports it. Acked and cancelled jobs leave no trace (honker). */
export type JobState = 'pending' | 'processing' | 'dead' | 'completed'

/** A snapshot of one job, live or dead. Times are unix seconds. */
export interface JobInfo {
  id: number
  queue: string
  /** The stored JSON text; parse with `JSON.parse` (kept raw so a foreign non-JSON row still reads). */
  payloadText: string
  state: JobState
  priority: number
  runAt: number
  workerId: string | null
  claimExpiresAt: number | null
  attempts: number
  maxAttempts: number
  createdAt: number
  expiresAt: number | null
  lastError: string | null
  diedAt: number | null
  /** What the job last reported with `job.progress()` (parsed JSON), or null; only from `getJob`. */
  progress?: unknown
  /** The job's unique key, or null; only from `getJob`. */
  uniqueKey?: string | null
  /** The job's group, or null; only from `getJob`. */
  group?: string | null
  /** When a kept job was acked (unix seconds); only for 'completed' jobs. */
  finishedAt?: number
  /** The handler's result (parsed JSON) when the worker saved one; only for 'completed' jobs. */
  result?: unknown
}

/** A `_honker_history` row (migration 0003) as an engine reads it. */
export interface HistoryJobRow extends LiveJobExtras {
  id: number | bigint | string
  queue: string
  payload: string
  state: 'completed'
  priority: number | bigint | string
  run_at: number | bigint | string
  attempts: number | bigint | string
  max_attempts: number | bigint | string
  created_at: number | bigint | string
  finished_at: number | bigint | string
  last_error: string | null
  result: string | null
}

function parseStored(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function historyRowToInfo(row: HistoryJobRow): JobInfo {
  return {
    id: toNumber(row.id),
    queue: row.queue,
    payloadText: row.payload,
    state: row.state,
    priority: toNumber(row.priority),
    runAt: toNumber(row.run_at),
    workerId: null,
    claimExpiresAt: null,
    attempts: toNumber(row.attempts),
    maxAttempts: toNumber(row.max_attempts),
    createdAt: toNumber(row.created_at),
    expiresAt: null,
    lastError: row.last_error,
    diedAt: null,
    progress: parseStored(row.progress),
    uniqueKey: row.unique_key ?? null,
    group: row.group_key ?? null,
    finishedAt: toNumber(row.finished_at),
    result: parseStored(row.result),
  }
}

/** The columns of migration 0003 that `getJob` reads beside a live row's own. */
export interface LiveJobExtras {
  progress?: string | null
  unique_key?: string | null
  group_key?: string | null
}

/** Add the migration-0003 fields a `getJob` read carries; a foreign non-JSON progress stays text. */
export function withExtras(info: JobInfo, row: LiveJobExtras): JobInfo {
  if (row.progress === undefined) return info
  return { ...info, progress: parseStored(row.progress), uniqueKey: row.unique_key ?? null, group: row.group_key ?? null }
}

/** An integer column as the engine read it: a number, a bigint (SQLite's safe-integer handles) or a string (pg). */
export function toNumber(value: number | bigint | string): number {
  return typeof value === 'number' ? value : Number(value)
}

export function toNullableNumber(value: number | bigint | string | null): number | null {
  return value === null ? null : toNumber(value)
}

export function liveRowToInfo(row: LiveJobRow): JobInfo {
  return {
    id: toNumber(row.id),
    queue: row.queue,
    payloadText: row.payload,
    state: row.state,
    priority: toNumber(row.priority),
    runAt: toNumber(row.run_at),
    workerId: row.worker_id,
    claimExpiresAt: toNullableNumber(row.claim_expires_at),
    attempts: toNumber(row.attempts),
    maxAttempts: toNumber(row.max_attempts),
    createdAt: toNumber(row.created_at),
    expiresAt: toNullableNumber(row.expires_at),
    lastError: null,
    diedAt: null,
  }
}

export function deadRowToInfo(row: DeadJobRow): JobInfo {
  return {
    id: toNumber(row.id),
    queue: row.queue,
    payloadText: row.payload,
    state: 'dead',
    priority: toNumber(row.priority),
    runAt: toNumber(row.run_at),
    workerId: null,
    claimExpiresAt: null,
    attempts: toNumber(row.attempts),
    maxAttempts: toNumber(row.max_attempts),
    createdAt: toNumber(row.created_at),
    expiresAt: null,
    lastError: row.last_error,
    diedAt: toNumber(row.died_at),
  }
}

/** Parameters of INSERT_DEAD for a row leaving `_honker_live`. */
export function deadParams(row: LiveJobRow, lastError: string, now: number): Record<string, unknown> {
  return {
    id: row.id,
    queue: row.queue,
    payload: row.payload,
    priority: row.priority,
    run_at: row.run_at,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    last_error: lastError,
    created_at: row.created_at,
    now,
  }
}
