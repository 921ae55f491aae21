/**
 * @module @honker/core
 *
 * Durable job queue with cross-process wakes inside the application's own SQLite file, sharing its
 * tables with honker 0.5. This entry point is the standalone API (`open`); ORM adapters build on
 * `@honker/core/adapter`.
 */
export { Database } from './database.ts'
export { open, type OpenOptions } from './open.ts'
export { Transaction } from './transaction.ts'
export { Queue, type QueueOptions, type EnqueueCallOptions, type ClaimOptions, type QueueCounts, type QueueJobsOptions, type QueueEventsOptions, type JobListState } from './queue/queue.ts'
export type { QueueEvent } from './queue/queue-event.ts'
export type { QueueEventKind } from './queue/journal.ts'
export type { EnqueueOptions, UniqueEnqueueResult } from './queue/enqueue.ts'
export type { QueueSettings, Retention, RetentionInput } from './queue/queue-settings.ts'
export { Job, type RetryOptions } from './queue/job.ts'
export { DeadLetters, type ListDeadOptions } from './queue/dead-letters.ts'
export type { JobInfo, JobState } from './queue/job-row.ts'
export type { ListJobsOptions, LiveJobState, ReleaseClaimsOptions, ReleaseClaimsResult } from './queue/live-jobs.ts'
export { RateLimit, type RateLimitOptions, type RateLimitTryOptions } from './rate-limit/rate-limit.ts'
export type { ResultLookup, SaveResultOptions } from './result/results.ts'
export type { WaitResultOptions } from './result/results.ts'
export { Outbox, type OutboxDelivery, type OutboxOptions, type OutboxRunOptions } from './outbox/outbox.ts'
export { Listener, type ListenOptions } from './notify/listener.ts'
export { Notification } from './notify/notification.ts'
export { NotificationPruner, type PruneNotificationsOptions, type AutoPruneOptions } from './notify/prune.ts'
export { Stream, type PublishOptions, type SaveOffsetOptions } from './stream/stream.ts'
export { StreamEvent } from './stream/stream-event.ts'
export { StreamSubscription, type SubscribeOptions } from './stream/subscription.ts'
export { Lock, type LockOptions, type WithLockOptions, type LockContext } from './lock/lock.ts'
export { Scheduler, type ScheduleDefinition, type ScheduleUpdate } from './scheduler/scheduler.ts'
export type { ScheduledTask } from './scheduler/task-row.ts'
export type { FiredJob } from './scheduler/tick.ts'
export { SchedulerRunner, SCHEDULER_LOCK_NAME, type SchedulerRunOptions, type SchedulerRunnerEvents } from './scheduler/scheduler-runner.ts'
export { nextAfter, parseSchedule, type Schedule } from './scheduler/cron.ts'
export { Worker, type JobHandler, type HandlerContext } from './worker/worker.ts'
export type { WorkOptions } from './worker/work-options.ts'
export type { WorkerLogger } from './worker/worker-logger.ts'
export type { WorkerEvents, WorkerStats } from './worker/worker-events.ts'
export type { BackoffOptions } from './worker/backoff.ts'
export { RetryLaterError, UnrecoverableError } from './worker/control-errors.ts'
export { WakeSubscription, type WakeResult, type WaitOptions } from './watcher/wake-subscription.ts'
export type { WatcherMode, WatcherOptions } from './watcher/commit-watcher.ts'
export type { Clock } from './clock.ts'
export type { SqliteHandle, DriverOption } from './driver/resolve.ts'
export type { DriverName } from './driver/driver.ts'
/** @deprecated better-sqlite3's handle shape; `open({ database })` takes any `SqliteHandle`. */
export type { BetterSqlite3Database as SqliteConnection } from './driver/better-sqlite3.ts'
export {
  HonkerError,
  InvalidArgumentError,
  InvalidPayloadError,
  DatabaseClosedError,
  BusyError,
  JobTimeoutError,
  WatcherError,
  type HonkerErrorCode,
} from './errors/index.ts'
