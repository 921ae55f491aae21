import type { Mode, Result } from '../executor/executor.ts'
import type { EnqueueOptions, UniqueEnqueueResult } from '../queue/enqueue.ts'
import type { JobInfo } from '../queue/job-row.ts'
import type { LiveJobState, ReleaseClaimsResult } from '../queue/live-jobs.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'
import type { Job } from '../queue/job.ts'
import type { QueueSettings, QueueSettingsChange } from '../queue/queue-settings.ts'
import type { QueueEvent } from '../queue/queue-event.ts'
import type { WorkerStorage } from '../worker/worker-storage.ts'

/** A claimed `_honker_live` row as an engine reads it: integers as numbers, bigints (SQLite) or strings (pg). */
export interface ClaimedRow {
  id: number | bigint | string
  queue: string
  payload: string
  worker_id: string | null
  claim_expires_at: number | bigint | string | null
  attempts: number | bigint | string
  max_attempts: number | bigint | string
  priority: number | bigint | string
  run_at: number | bigint | string
  created_at: number | bigint | string
  expires_at: number | bigint | string | null
}

/** Jobs waiting, due later, running and dead in one queue. */
export interface QueueCountValues {
  pending: number
  delayed: number
  processing: number
  dead: number
}

/** A claimed job as the engine's transitions need it. */
export interface OwnedJob {
  readonly id: number
  readonly queue: string
  readonly workerId: string
}

/**
 * The storage operations behind `Queue` and `Job`, one implementation per engine; both classes
 * are written once over them (see coordination-ops.ts for `Result<M, T>` and `Tx`). Each
 * operation is atomic on its own. Transitions of a claimed job need the worker's unexpired claim
 * and answer whether they took effect.
 */
export interface JobOps<M extends Mode, Tx = unknown> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  readonly maxPayloadBytes: number
  /** Whether the database was closed (a claim iterator then gives nothing back). */
  readonly closed: boolean
  /** Validate, encode and insert jobs sharing their options, in `tx` when given; ids in order. */
  insert(queue: string, payloads: readonly unknown[], options: EnqueueOptions, defaultMaxAttempts: number, tx: Tx | undefined): Result<M, number[]>
  /** The same for one job: the hot path of `enqueue`; `{ id, created }` with a `uniqueKey`. */
  insertOne(queue: string, payload: unknown, options: EnqueueOptions, defaultMaxAttempts: number, tx: Tx | undefined): Result<M, number | UniqueEnqueueResult>
  /** Dead-letter exhausted claimable jobs, then claim up to `limit` in priority, run_at, id order. */
  claim(queue: string, workerId: string, limit: number, visibilityTimeoutS: number): Result<M, ClaimedRow[]>
  /** Delete jobs `workerId` still owns; how many. */
  ack(queue: string, ids: readonly number[], workerId: string): Result<M, number>
  /** Back to pending after `delayS`, or dead-lettered with `error` when attempts are used up. */
  retry(job: OwnedJob, delayS: number, error: string): Result<M, boolean>
  fail(job: OwnedJob, error: string): Result<M, boolean>
  /** The claim's new expiry, or null when it is no longer owned. */
  heartbeat(job: OwnedJob, extendS: number): Result<M, number | null>
  release(job: OwnedJob): Result<M, boolean>
  /** Store `text` (JSON) as the job's progress while the claim is owned; whether it was. */
  progress(job: OwnedJob, text: string): Result<M, boolean>
  /** A job of `queue`, live or dead; null once acked or cancelled, or in another queue. */
  get(queue: string, id: number): Result<M, JobInfo | null>
  cancel(id: number): Result<M, boolean>
  sweepExpired(queue: string): Result<M, number>
  nextClaimAt(queue: string): Result<M, number | null>
  /** How long an idle consumer of `queue` may sleep, on the engine's clock, bounded by `fallbackMs`. */
  sleepUntilClaimableMs(queue: string, fallbackMs: number | null): Result<M, number | null>
  counts(queue: string): Result<M, QueueCountValues>
  /** A page of live jobs of `queue` (every queue when null) in id order. */
  list(queue: string | null, state: LiveJobState | null, afterId: number, limit: number): Result<M, JobInfo[]>
  releaseClaims(queue: string, ids: readonly number[] | null, workerId: string | null, force: boolean): Result<M, ReleaseClaimsResult>
  /** The queue's shared settings (pause, limits); defaults when it has none. */
  settings(queue: string): Result<M, QueueSettings>
  /** Change the queue's settings (a field left out stays); wakes its consumers; the settings after. */
  updateSettings(queue: string, change: QueueSettingsChange): Result<M, QueueSettings>
  /** A page of the queue's kept finished jobs ('completed') in id order. */
  history(queue: string, afterId: number, limit: number): Result<M, JobInfo[]>
  /** The queue's events after `afterId`, oldest first. */
  events(queue: string, afterId: number, limit: number): Result<M, QueueEvent[]>
  /** The newest event id of the queue (0 without events). */
  lastEventId(queue: string): Result<M, number>
  /** Wakes for new events of `queue` (any commit where the engine cannot tell them apart). */
  subscribeEvents(queue: string): WakeSubscription
  /** Wakes for `queue` (any commit where the engine cannot tell them apart); subscribe before reading. */
  subscribe(queue: string): WakeSubscription
  /** The worker runtime's operations for one queue; `job` makes the queue's Job from a claimed row. */
  workerStorage<Payload>(
    queue: { readonly name: string; readonly visibilityTimeoutS: number },
    job: (row: ClaimedRow) => Job<Payload, M>,
  ): WorkerStorage<Payload, Job<Payload, M>>
}
