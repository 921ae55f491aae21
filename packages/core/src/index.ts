/**
 * @module @honker/core
 *
 * Durable job queue with cross-process wakes inside the application's own SQLite file, sharing its
 * tables with honker 0.5. This entry point is the standalone API (`open`); ORM adapters build on
 * `@honker/core/adapter`.
 */
export { open, Database, type OpenOptions } from './database.ts'
export { Transaction } from './transaction.ts'
export { Queue, type QueueOptions, type EnqueueCallOptions, type ClaimOptions, type QueueCounts } from './queue/queue.ts'
export type { EnqueueOptions } from './queue/enqueue.ts'
export { Job, type RetryOptions } from './queue/job.ts'
export type { JobInfo, JobState } from './queue/job-row.ts'
export {
  Worker,
  type WorkOptions,
  type JobHandler,
  type HandlerContext,
  type WorkerEvents,
  type WorkerStats,
} from './worker/worker.ts'
export type { BackoffOptions } from './worker/backoff.ts'
export { RetryLaterError, UnrecoverableError } from './worker/control-errors.ts'
export { WakeSubscription, type WakeResult, type WaitOptions } from './watcher/wake-subscription.ts'
export type { WatcherMode, WatcherOptions } from './watcher/commit-watcher.ts'
export type { Clock } from './clock.ts'
export type { SqliteConnection } from './connection/sqlite-connection.ts'
export {
  HonkerError,
  InvalidArgumentError,
  InvalidPayloadError,
  DatabaseClosedError,
  BusyError,
  WatcherError,
  type HonkerErrorCode,
} from './errors/index.ts'
