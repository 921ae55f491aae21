/**
 * @module @honker/postgres
 *
 * Honker on PostgreSQL for apps on several machines: the job queue (SKIP LOCKED claims),
 * NOTIFY/LISTEN wakes, durable streams, the scheduler with one leader, locks, rate limits and
 * results, with `@honker/core`'s API and semantics, every method returning a promise.
 */
export { open, type OpenPostgresOptions } from './open.ts'
export {
  PgDatabase,
  type PgLock,
  type PgRateLimit,
  type PgSaveResultOptions as SaveResultOptions,
  type PgLockContext as LockContext,
  type PgStream,
  type PgStreamSubscription,
  type PgPublishOptions as PublishOptions,
  type PgScheduler,
  type PgSchedulerRunner,
} from './database.ts'
export type { PgQueue, PgJob, PgDeadLetters, PgOutbox, PgOutboxDelivery, EnqueueCallOptions, QueueCounts } from './features/queue.ts'
export { PgTransaction } from './features/transaction.ts'
export type { ResultLookup, WaitResultOptions, WithLockOptions, RetryOptions } from '@honker/core/engine'
export { PostgresError } from './errors.ts'
export { copyFromSqlite, type CopyReport } from './copy-from-sqlite.ts'
export { migrate, type PgMigrationReport } from './schema/migrate.ts'
export { PG_MIGRATIONS, LATEST_PG_VERSION } from './schema/migrations.ts'
export { DEFAULT_SCHEMA } from './names.ts'
export type { PgPool, PgQueryable } from './pg.ts'
export type { WakeSource } from './wake/wake-source.ts'
/** Option and value types shared with `@honker/core` (same names, same meaning). */
export {
  HonkerError,
  SCHEDULER_LOCK_NAME,
  type QueueOptions,
  type ClaimOptions,
  type ListDeadOptions,
  type ListenOptions,
  type PruneNotificationsOptions,
  type AutoPruneOptions,
  type Listener,
  type NotificationPruner,
  type Notification,
  type SubscribeOptions,
  type LockOptions,
  type RateLimitOptions,
  type ScheduleDefinition,
  type ScheduleUpdate,
  type SchedulerRunOptions,
  type SchedulerRunnerEvents,
  type ScheduledTask,
  type FiredJob,
  type JobInfo,
  type WorkOptions,
  type OutboxOptions,
  type OutboxRunOptions,
} from '@honker/core'
