/**
 * Honker's tables on PostgreSQL (schema `honker`) as Drizzle `pgTable`s: typed reads with Drizzle's
 * query builder, and the DDL `drizzle-kit generate` writes into the app's migrations. They match
 * `@honker/postgres`'s migration column for column and index for index (a test compares the two);
 * `open()` afterwards takes the tables as they are and records its ledger. Integers are `bigint`
 * read as JavaScript numbers (`mode: 'number'`), times whole unix seconds, payloads JSON text.
 * Write through Honker's API (`enqueue(tx, ...)`), not with inserts of your own.
 */
import { sql } from 'drizzle-orm'
import { bigint, index, integer, pgSchema, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'

const int8 = (name: string) => bigint(name, { mode: 'number' })

export const honkerPgSchema = pgSchema('honker')

export const honkerLivePg = honkerPgSchema.table(
  '_honker_live',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    queue: text('queue').notNull(),
    payload: text('payload').notNull(),
    state: text('state').notNull().default('pending'),
    priority: int8('priority').notNull().default(0),
    runAt: int8('run_at').notNull(),
    workerId: text('worker_id'),
    claimExpiresAt: int8('claim_expires_at'),
    attempts: int8('attempts').notNull().default(0),
    maxAttempts: int8('max_attempts').notNull().default(3),
    createdAt: int8('created_at').notNull(),
    expiresAt: int8('expires_at'),
    // Migration 2 (docs/design/queue-features.md): nullable, never named by honker.
    uniqueKey: text('unique_key'),
    groupKey: text('group_key'),
    progress: text('progress'),
    traceContext: text('trace_context'),
  },
  (t) => [
    // DESC NULLS FIRST is Postgres's DESC: the claim's ORDER BY priority DESC walks this index only if they match.
    index('_honker_live_claim').on(t.queue, t.priority.desc().nullsFirst(), t.runAt, t.id).where(sql`state IN ('pending', 'processing')`),
    index('_honker_live_pending_deadline').on(t.queue, t.runAt).where(sql`state = 'pending'`),
    index('_honker_live_processing_deadline').on(t.queue, t.claimExpiresAt).where(sql`state = 'processing'`),
    index('_honker_live_exhausted').on(t.queue, t.id).where(sql`attempts >= max_attempts`),
    uniqueIndex('_honker_live_unique').on(t.queue, t.uniqueKey).where(sql`unique_key IS NOT NULL`),
    index('_honker_live_group').on(t.queue, t.groupKey, t.priority.desc().nullsFirst(), t.runAt, t.id).where(sql`group_key IS NOT NULL`),
  ],
)

export const honkerDeadPg = honkerPgSchema.table(
  '_honker_dead',
  {
    id: int8('id').primaryKey(),
    queue: text('queue').notNull(),
    payload: text('payload').notNull(),
    priority: int8('priority').notNull().default(0),
    runAt: int8('run_at').notNull().default(0),
    attempts: int8('attempts').notNull().default(0),
    maxAttempts: int8('max_attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: int8('created_at').notNull(),
    diedAt: int8('died_at').notNull(),
  },
  (t) => [index('_honker_dead_queue').on(t.queue, t.id)],
)

export const honkerNotificationsPg = honkerPgSchema.table(
  '_honker_notifications',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    channel: text('channel').notNull(),
    payload: text('payload').notNull(),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [index('_honker_notifications_recent').on(t.channel, t.id)],
)

export const honkerLocksPg = honkerPgSchema.table('_honker_locks', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  expiresAt: int8('expires_at').notNull(),
})

export const honkerRateLimitsPg = honkerPgSchema.table(
  '_honker_rate_limits',
  {
    name: text('name').notNull(),
    windowStart: int8('window_start').notNull(),
    count: int8('count').notNull().default(0),
  },
  (t) => [primaryKey({ name: '_honker_rate_limits_pkey', columns: [t.name, t.windowStart] })],
)

export const honkerSchedulerTasksPg = honkerPgSchema.table('_honker_scheduler_tasks', {
  name: text('name').primaryKey(),
  queue: text('queue').notNull(),
  cronExpr: text('cron_expr').notNull(),
  payload: text('payload').notNull(),
  priority: int8('priority').notNull().default(0),
  expiresS: int8('expires_s'),
  nextFireAt: int8('next_fire_at').notNull(),
  enabled: int8('enabled').notNull().default(1),
  maxAttempts: int8('max_attempts').notNull().default(3),
})

export const honkerResultsPg = honkerPgSchema.table('_honker_results', {
  jobId: int8('job_id').primaryKey(),
  value: text('value'),
  createdAt: int8('created_at').notNull(),
  expiresAt: int8('expires_at'),
})

export const honkerStreamPg = honkerPgSchema.table(
  '_honker_stream',
  {
    offset: int8('offset').primaryKey().generatedByDefaultAsIdentity(),
    topic: text('topic').notNull(),
    key: text('key'),
    payload: text('payload').notNull(),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [index('_honker_stream_topic').on(t.topic, t.offset)],
)

export const honkerStreamConsumersPg = honkerPgSchema.table(
  '_honker_stream_consumers',
  {
    name: text('name').notNull(),
    topic: text('topic').notNull(),
    offset: int8('offset').notNull().default(0),
  },
  (t) => [primaryKey({ name: '_honker_stream_consumers_pkey', columns: [t.name, t.topic] })],
)

/** Per-queue settings shared by every server: pause, concurrency limits, history, events (migration 2). */
export const honkerQueuesPg = honkerPgSchema.table('_honker_queues', {
  queue: text('queue').primaryKey(),
  paused: int8('paused').notNull().default(0),
  concurrency: int8('concurrency'),
  groupConcurrency: int8('group_concurrency'),
  keepCompletedS: int8('keep_completed_s'),
  keepCompletedCount: int8('keep_completed_count'),
  keepFailedS: int8('keep_failed_s'),
  keepFailedCount: int8('keep_failed_count'),
  events: int8('events').notNull().default(0),
})

/** Finished jobs of queues that keep them (migration 2). */
export const honkerHistoryPg = honkerPgSchema.table(
  '_honker_history',
  {
    id: int8('id').primaryKey(),
    queue: text('queue').notNull(),
    payload: text('payload').notNull(),
    state: text('state').notNull(),
    priority: int8('priority').notNull().default(0),
    runAt: int8('run_at').notNull().default(0),
    attempts: int8('attempts').notNull().default(0),
    maxAttempts: int8('max_attempts').notNull().default(0),
    createdAt: int8('created_at').notNull(),
    finishedAt: int8('finished_at').notNull(),
    lastError: text('last_error'),
    result: text('result'),
    progress: text('progress'),
    uniqueKey: text('unique_key'),
    groupKey: text('group_key'),
    traceContext: text('trace_context'),
  },
  (t) => [
    index('_honker_history_state').on(t.queue, t.state, t.id),
    index('_honker_history_finished').on(t.queue, t.finishedAt),
  ],
)

/** Job events of queues that publish them (migration 2). */
export const honkerEventsPg = honkerPgSchema.table(
  '_honker_events',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    queue: text('queue').notNull(),
    jobId: int8('job_id').notNull(),
    kind: text('kind').notNull(),
    data: text('data'),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [index('_honker_events_queue').on(t.queue, t.id)],
)

/** Honker's migration ledger in the same schema. */
export const honkerMigrationsPg = honkerPgSchema.table('_honker_ts_migrations', {
  version: integer('version').primaryKey(),
  name: text('name').notNull(),
  checksum: text('checksum').notNull(),
  appliedAt: int8('applied_at').notNull(),
})
