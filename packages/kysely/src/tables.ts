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
