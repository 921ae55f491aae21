/**
 * @module @honker/core/engine
 *
 * What an engine package (`@honker/postgres`) builds its features from, so that behaviour lives in
 * one place: the worker runtime and its storage contract, the wake mailbox, argument and payload
 * checks, backoff, cron, and the errors. Internal to Honker's packages; not semver-stable.
 */
export {
  setInstrumentation,
  getInstrumentation,
  type Instrumentation,
  type AttemptInfo,
  type AttemptObserver,
  type AttemptOutcome,
  type EnqueueResultValue,
  type WakeInfo,
} from './instrumentation.ts'
export { prometheusText, PROMETHEUS_CONTENT_TYPE, type QueueDepth } from './inspect/prometheus.ts'
export { Worker, type JobHandler, type HandlerContext } from './worker/worker.ts'
export { ClaimedTraceContexts } from './worker/claimed-trace-contexts.ts'
export type { WorkerStorage, WorkerJob, AckAndClaimResult, MaybePromise } from './worker/worker-storage.ts'
export type { WorkOptions } from './worker/work-options.ts'
export type { WorkerEvents, WorkerStats } from './worker/worker-events.ts'
export { WakeSubscription, type WakeResult, type WaitOptions } from './watcher/wake-subscription.ts'
export { retryWhileBusy } from './busy-retry.ts'
export { TimeSlice } from './time-slice.ts'
export {
  MAX_SECONDS,
  MAX_TIMER_MS,
  requireName,
  requireInteger,
  optionalInteger,
  optionalMilliseconds,
  optionalSignal,
  requireFunction,
  requireObject,
  toUnixSeconds,
} from './validate.ts'
export { encodePayload, decodePayload, DEFAULT_MAX_PAYLOAD_BYTES } from './payload.ts'
export { requireQueueDefaults, DEFAULT_MAX_ATTEMPTS, DEFAULT_VISIBILITY_TIMEOUT_S, type EnqueueOptions, type UniqueEnqueueResult } from './queue/enqueue.ts'
export { errorText } from './queue/transitions.ts'
export { MAX_ATTEMPTS_EXCEEDED, EXPIRED, sleepUntilClaimableMs } from './queue/claim.ts'
export type { JobInfo, JobState } from './queue/job-row.ts'
export type { ListJobsOptions, LiveJobState, ReleaseClaimsOptions, ReleaseClaimsResult } from './queue/live-jobs.ts'
export { parseSchedule, nextAfter, type Schedule } from './scheduler/cron.ts'
export { dueBoundaries, type FiredJob } from './scheduler/tick.ts'
export type { ScheduledTask } from './scheduler/task-row.ts'
export { outboxQueueName, outboxBackoff } from './outbox/outbox.ts'
export { unixSeconds, systemClock, type Clock } from './clock.ts'
export { HonkerError, InvalidArgumentError, DatabaseClosedError, BusyError, type HonkerErrorCode } from './errors/index.ts'
export type { LockOps, RateLimitOps, ResultOps, LeaseGrant, LeaseHolder } from './engine/coordination-ops.ts'
export { Lock, withLock, type LockOptions, type WithLockOptions, type LockContext } from './lock/lock.ts'
export { RateLimit, sweepRateLimits, type RateLimitOptions, type RateLimitTryOptions } from './rate-limit/rate-limit.ts'
export { Results, type ResultLookup, type SaveResultOptions, type WaitResultOptions } from './result/results.ts'
export { mapResult, type Mode, type Result } from './executor/executor.ts'
export type { DeadLetterOps } from './engine/dead-letter-ops.ts'
export { DeadLetters, type ListDeadOptions } from './queue/dead-letters.ts'
export type { JobOps, ClaimedRow, OwnedJob, QueueCountValues } from './engine/job-ops.ts'
export { Job, type RetryOptions } from './queue/job.ts'
export { Queue, listJobs, type QueueEngine, type QueueOptions, type QueueCounts, type EnqueueCallOptions, type ClaimOptions } from './queue/queue.ts'
export { Outbox, type OutboxDelivery, type OutboxOptions, type OutboxRunOptions } from './outbox/outbox.ts'
export type { NotifyOps, NotificationRow, PruneLimits } from './engine/notify-ops.ts'
export { Listener, openListener, type ListenOptions } from './notify/listener.ts'
export { NotificationPruner, requirePruneLimits, type AutoPruneOptions, type PruneNotificationsOptions } from './notify/prune.ts'
export type { StreamOps } from './engine/stream-ops.ts'
export { Stream, type PublishOptions, type SaveOffsetOptions } from './stream/stream.ts'
export { StreamSubscription, type SubscribeOptions } from './stream/subscription.ts'
export type { ScheduleOps } from './engine/schedule-ops.ts'
export { Scheduler } from './scheduler/scheduler.ts'
export { SchedulerRunner } from './scheduler/scheduler-runner.ts'
export { planTick, type TaskFiring } from './scheduler/tick.ts'
export type { TaskRow, TaskValues } from './scheduler/task-row.ts'
export { settingsFromRow, settingsParams, type QueueSettings, type QueueSettingsChange, type QueueSettingsRow } from './queue/queue-settings.ts'
export { withExtras, type LiveJobExtras } from './queue/job-row.ts'
export { eventFromRow, type EventRow, type QueueEvent } from './queue/queue-event.ts'
export { historyRowToInfo, type HistoryJobRow } from './queue/job-row.ts'
export { EVENTS_KEPT_S, type QueueEventKind } from './queue/journal.ts'
export { UNGROUPED_WINDOW } from './queue/queue.sql.ts'
