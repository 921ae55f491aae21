import type { Generated } from 'kysely'

/**
 * Kysely row types of the `_honker_*` tables (docs/compatibility.md 1.2, plus this project's ledger).
 * Times are whole unix seconds; payloads and results are JSON text. Integers are `number`, as
 * better-sqlite3 returns them unless `safeIntegers` is on. Meant for reads (dashboards, joins with
 * app tables); write through Honker's API, which keeps the state machine's rules. A type alias,
 * not an interface: `db.withTables<T>()` wants the implicit index signature only aliases have.
 *
 * ```ts
 * const stuck = await db
 *   .withTables<HonkerTables>()
 *   .selectFrom('_honker_live')
 *   .select(['id', 'attempts'])
 *   .where('state', '=', 'processing')
 *   .execute()
 * ```
 */
export type HonkerTables = {
  _honker_live: HonkerLiveTable
  _honker_dead: HonkerDeadTable
  _honker_notifications: HonkerNotificationsTable
  _honker_locks: HonkerLocksTable
  _honker_rate_limits: HonkerRateLimitsTable
  _honker_scheduler_tasks: HonkerSchedulerTasksTable
  _honker_results: HonkerResultsTable
  _honker_stream: HonkerStreamTable
  _honker_stream_consumers: HonkerStreamConsumersTable
  _honker_queues: HonkerQueuesTable
  _honker_history: HonkerHistoryTable
  _honker_events: HonkerEventsTable
  _honker_ts_migrations: HonkerMigrationsTable
}

/** A live job is only ever pending or processing; terminal jobs move to `_honker_dead`. */
export type HonkerLiveState = 'pending' | 'processing'

export interface HonkerLiveTable {
  id: Generated<number>
  queue: string
  payload: string
  state: Generated<HonkerLiveState>
  priority: Generated<number>
  run_at: Generated<number>
  worker_id: string | null
  claim_expires_at: number | null
  attempts: Generated<number>
  max_attempts: Generated<number>
  created_at: Generated<number>
  expires_at: number | null
  /** Core migration 0003 (docs/design/queue-features.md). */
  unique_key: string | null
  group_key: string | null
  /** JSON text written by `job.progress()`. */
  progress: string | null
  trace_context: string | null
}

export interface HonkerDeadTable {
  /** The id the job had in `_honker_live`. */
  id: number
  queue: string
  payload: string
  priority: Generated<number>
  run_at: Generated<number>
  attempts: Generated<number>
  max_attempts: Generated<number>
  last_error: string | null
  created_at: Generated<number>
  died_at: Generated<number>
}

/** Per-queue settings every process obeys (core migration 0003). */
export interface HonkerQueuesTable {
  queue: string
  paused: Generated<number>
  concurrency: number | null
  group_concurrency: number | null
  keep_completed_s: number | null
  keep_completed_count: number | null
  keep_failed_s: number | null
  keep_failed_count: number | null
  events: Generated<number>
}

/** A finished job of a queue that keeps its history (core migration 0003). */
export interface HonkerHistoryTable {
  /** The id the job had in `_honker_live`. */
  id: number
  queue: string
  payload: string
  state: 'completed' | 'cancelled'
  priority: Generated<number>
  run_at: Generated<number>
  attempts: Generated<number>
  max_attempts: Generated<number>
  created_at: number
  finished_at: number
  last_error: string | null
  result: string | null
  progress: string | null
  unique_key: string | null
  group_key: string | null
  trace_context: string | null
}

/** A job event of a queue that publishes them (core migration 0003). */
export interface HonkerEventsTable {
  id: Generated<number>
  queue: string
  job_id: number
  kind: 'completed' | 'failed' | 'retried' | 'dead' | 'progress' | 'stalled'
  data: string | null
  created_at: Generated<number>
}

export interface HonkerNotificationsTable {
  id: Generated<number>
  channel: string
  payload: string
  created_at: Generated<number>
}

export interface HonkerLocksTable {
  name: string
  owner: string
  expires_at: number
}

export interface HonkerRateLimitsTable {
  name: string
  window_start: number
  count: Generated<number>
}

export interface HonkerSchedulerTasksTable {
  name: string
  queue: string
  cron_expr: string
  payload: string
  priority: Generated<number>
  expires_s: number | null
  next_fire_at: number
  /** 1 or 0. */
  enabled: Generated<number>
  max_attempts: Generated<number>
}

export interface HonkerResultsTable {
  job_id: number
  value: string | null
  created_at: Generated<number>
  expires_at: number | null
}

export interface HonkerStreamTable {
  offset: Generated<number>
  topic: string
  key: string | null
  payload: string
  created_at: Generated<number>
}

export interface HonkerStreamConsumersTable {
  name: string
  topic: string
  offset: Generated<number>
}

/** Honker's own migration ledger (`PRAGMA user_version` belongs to the app). */
export interface HonkerMigrationsTable {
  version: number
  name: string
  applied_at: Generated<number>
}

/** A column's integer as node-postgres returns a `bigint` column: a string (it may not fit a number). */
type Int8<T> = T extends number ? string : T
type PostgresRow<Table> = {
  [Column in keyof Table]: Table[Column] extends Generated<infer Value> ? Generated<Int8<Value>> : Int8<Table[Column]>
}

/**
 * The same tables on PostgreSQL (`@honker/postgres`'s schema `honker`): every integer column is
 * `bigint` there, which node-postgres returns as a string; read them with
 * `db.withSchema('honker').withTables<HonkerPostgresTables>()` and convert with `Number()`.
 */
export type HonkerPostgresTables = {
  _honker_live: PostgresRow<HonkerLiveTable>
  _honker_dead: PostgresRow<HonkerDeadTable>
  _honker_notifications: PostgresRow<HonkerNotificationsTable>
  _honker_locks: PostgresRow<HonkerLocksTable>
  _honker_rate_limits: PostgresRow<HonkerRateLimitsTable>
  _honker_scheduler_tasks: PostgresRow<HonkerSchedulerTasksTable>
  _honker_results: PostgresRow<HonkerResultsTable>
  _honker_stream: PostgresRow<HonkerStreamTable>
  _honker_stream_consumers: PostgresRow<HonkerStreamConsumersTable>
  _honker_queues: PostgresRow<HonkerQueuesTable>
  _honker_history: PostgresRow<HonkerHistoryTable>
  _honker_events: PostgresRow<HonkerEventsTable>
  /** `version` is an `integer` (a number); `applied_at` a bigint; `checksum` names the DDL. */
  _honker_ts_migrations: { version: number; name: string; checksum: string; applied_at: string }
}
