/**
 * @module @honker/drizzle/schema
 *
 * Honker's `_honker_*` tables as Drizzle `sqliteTable` definitions, so `drizzle-kit generate`
 * writes them into the app's own migrations and queries on them are typed. They describe the
 * honker 0.5 schema (docs/compatibility.md 1.2) plus core's additive `_honker_live_exhausted` index,
 * column for column and index for index; a test compares the migrated result with core's DDL.
 *
 * Two choices keep the generated DDL equal to honker's:
 * - Explicit snake_case column names everywhere, so neither Drizzle's nor drizzle-kit's `casing`
 *   option can rename a column.
 * - Non-AUTOINCREMENT primary keys are declared at table level: a column-level `.primaryKey()`
 *   adds `NOT NULL`, which honker's `name TEXT PRIMARY KEY` does not have (so their select types
 *   are nullable, as the tables are). The three AUTOINCREMENT ids can only be declared at column
 *   level and get `NOT NULL` there; on an `INTEGER PRIMARY KEY` (the rowid) SQLite assigns a new id
 *   for NULL either way, so nothing behaves differently.
 *
 * Add them to the schema drizzle-kit reads: `export * from '@honker/drizzle/schema'`.
 */
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Written as `(unixepoch())`: drizzle-kit copies SQL defaults verbatim, and SQLite only accepts an
// expression default inside parentheses.
const unixepoch = sql`(unixepoch())`

/** Pub/sub rows written by `notify()`; listeners read them by `(channel, id)`. */
export const honkerNotifications = sqliteTable(
  '_honker_notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channel: text('channel').notNull(),
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull().default(unixepoch),
  },
  (t) => [index('_honker_notifications_recent').on(t.channel, t.id)],
)

/** Every pending or in-flight job. */
export const honkerLive = sqliteTable(
  '_honker_live',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    queue: text('queue').notNull(),
    payload: text('payload').notNull(),
    state: text('state').notNull().default('pending'),
    priority: integer('priority').notNull().default(0),
    runAt: integer('run_at').notNull().default(unixepoch),
    workerId: text('worker_id'),
    claimExpiresAt: integer('claim_expires_at'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    createdAt: integer('created_at').notNull().default(unixepoch),
    expiresAt: integer('expires_at'),
    // Core's migration 0003 (docs/design/queue-features.md): nullable, never named by honker.
    uniqueKey: text('unique_key'),
    groupKey: text('group_key'),
    progress: text('progress'),
    traceContext: text('trace_context'),
  },
  // Partial indexes: the claim path depends on them (docs/compatibility.md 8.3.19). `state` stays out of
  // the key; `priority DESC` is an expression because SQLite index columns have no `.desc()` here.
  (t) => [
    index('_honker_live_claim')
      .on(t.queue, sql`${t.priority} DESC`, t.runAt, t.id)
      .where(sql`state IN ('pending', 'processing')`),
    index('_honker_live_pending_deadline').on(t.queue, t.runAt).where(sql`state = 'pending'`),
    index('_honker_live_processing_deadline').on(t.queue, t.claimExpiresAt).where(sql`state = 'processing'`),
    // Core's migration 0002: keeps the dead-letter step of a claim a seek, whatever the backlog.
    index('_honker_live_exhausted').on(t.queue, t.id).where(sql`attempts >= max_attempts`),
    // Core's migration 0003: one live job per unique key and queue; each group's jobs in claim order.
    uniqueIndex('_honker_live_unique').on(t.queue, t.uniqueKey).where(sql`unique_key IS NOT NULL`),
    index('_honker_live_group').on(t.queue, t.groupKey, sql`${t.priority} DESC`, t.runAt, t.id).where(sql`group_key IS NOT NULL`),
  ],
)

/** Terminal rows: retries exhausted, failed, or expired. The id is the job's live id. */
export const honkerDead = sqliteTable(
  '_honker_dead',
  {
    id: integer('id'),
    queue: text('queue').notNull(),
    payload: text('payload').notNull(),
    priority: integer('priority').notNull().default(0),
    runAt: integer('run_at').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull().default(unixepoch),
    diedAt: integer('died_at').notNull().default(unixepoch),
  },
  // Core's migration 0003: a queue's dead letters by id.
  (t) => [primaryKey({ columns: [t.id] }), index('_honker_dead_queue').on(t.queue, t.id)],
)

/** Named TTL leases. */
export const honkerLocks = sqliteTable(
  '_honker_locks',
  {
    name: text('name'),
    owner: text('owner').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name] })],
)

/** Fixed-window rate-limit counters. */
export const honkerRateLimits = sqliteTable(
  '_honker_rate_limits',
  {
    name: text('name').notNull(),
    windowStart: integer('window_start').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.name, t.windowStart] })],
)

/** Persisted cron schedules. */
export const honkerSchedulerTasks = sqliteTable(
  '_honker_scheduler_tasks',
  {
    name: text('name'),
    queue: text('queue').notNull(),
    cronExpr: text('cron_expr').notNull(),
    payload: text('payload').notNull(),
    priority: integer('priority').notNull().default(0),
    expiresS: integer('expires_s'),
    nextFireAt: integer('next_fire_at').notNull(),
    enabled: integer('enabled').notNull().default(1),
    maxAttempts: integer('max_attempts').notNull().default(3),
  },
  (t) => [primaryKey({ columns: [t.name] })],
)

/** Saved job results (JSON text); `expires_at` NULL keeps them forever. */
export const honkerResults = sqliteTable(
  '_honker_results',
  {
    jobId: integer('job_id'),
    value: text('value'),
    createdAt: integer('created_at').notNull().default(unixepoch),
    expiresAt: integer('expires_at'),
  },
  (t) => [primaryKey({ columns: [t.jobId] })],
)

/** The durable event log; one offset sequence shared by every topic. */
export const honkerStream = sqliteTable(
  '_honker_stream',
  {
    offset: integer('offset').primaryKey({ autoIncrement: true }),
    topic: text('topic').notNull(),
    key: text('key'),
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull().default(unixepoch),
  },
  (t) => [index('_honker_stream_topic').on(t.topic, t.offset)],
)

/** Saved stream offsets, per consumer and topic. */
export const honkerStreamConsumers = sqliteTable(
  '_honker_stream_consumers',
  {
    name: text('name').notNull(),
    topic: text('topic').notNull(),
    offset: integer('offset').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.name, t.topic] })],
)

/** Per-queue settings shared by every process: pause, concurrency limits, history, events (migration 0003). */
export const honkerQueues = sqliteTable(
  '_honker_queues',
  {
    queue: text('queue'),
    paused: integer('paused').notNull().default(0),
    concurrency: integer('concurrency'),
    groupConcurrency: integer('group_concurrency'),
    keepCompletedS: integer('keep_completed_s'),
    keepCompletedCount: integer('keep_completed_count'),
    keepFailedS: integer('keep_failed_s'),
    keepFailedCount: integer('keep_failed_count'),
    events: integer('events').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.queue] })],
)

/** Finished jobs of queues that keep them (migration 0003). The id is the job's live id. */
export const honkerHistory = sqliteTable(
  '_honker_history',
  {
    id: integer('id'),
    queue: text('queue').notNull(),
    payload: text('payload').notNull(),
    state: text('state').notNull(),
    priority: integer('priority').notNull().default(0),
    runAt: integer('run_at').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at').notNull(),
    lastError: text('last_error'),
    result: text('result'),
    progress: text('progress'),
    uniqueKey: text('unique_key'),
    groupKey: text('group_key'),
    traceContext: text('trace_context'),
  },
  (t) => [
    primaryKey({ columns: [t.id] }),
    index('_honker_history_state').on(t.queue, t.state, t.id),
    index('_honker_history_finished').on(t.queue, t.finishedAt),
  ],
)

/** Job events of queues that publish them (migration 0003), read in id order by `queue.events()`. */
export const honkerEvents = sqliteTable(
  '_honker_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    queue: text('queue').notNull(),
    jobId: integer('job_id').notNull(),
    kind: text('kind').notNull(),
    data: text('data'),
    createdAt: integer('created_at').notNull().default(unixepoch),
  },
  (t) => [index('_honker_events_queue').on(t.queue, t.id)],
)

/** Every Honker table, for `drizzle(client, { schema: { ...appSchema, ...honkerSchema } })`. */
export const honkerSchema = {
  honkerNotifications,
  honkerLive,
  honkerDead,
  honkerLocks,
  honkerRateLimits,
  honkerSchedulerTasks,
  honkerResults,
  honkerStream,
  honkerStreamConsumers,
  honkerQueues,
  honkerHistory,
  honkerEvents,
}
