import type { Job } from '../queue/job.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'

/** What one ack-and-claim transaction did: `acked[i]` tells whether `finished[i]` was still owned. */
export interface AckAndClaimResult<Payload> {
  acked: boolean[]
  claimed: Job<Payload>[]
}

/**
 * The storage operations a worker runs, handed to it by its queue (`queue.work()` builds them), as
 * graphile-worker passes `getJob` and `completeJob` to its worker: the worker owns the loop, the
 * slots, heartbeat timing and shutdown, and never sees the queue, its SQL or its tables.
 *
 * Every transition returns whether it took effect: false means the claim was no longer this
 * worker's (it lapsed and was reclaimed, or the job was cancelled), and nothing changed. A busy
 * database throws `busy`; the worker retries through `withBusyTimeout` (see `retryWhileBusy`).
 * @internal
 */
export interface WorkerStorage<Payload> {
  /** The queue's name. */
  readonly queue: string
  /** Seconds a claim is owned; heartbeats default to a third of it. */
  readonly visibilityTimeoutS: number
  /** The largest result (as JSON, in bytes) `ackWithResult` stores. */
  readonly maxPayloadBytes: number
  /**
   * The hot path: ack the finished jobs and claim up to `limit` more (none when 0) in ONE write
   * transaction, so a job costs one commit instead of two.
   */
  ackAndClaim(finished: readonly Job<Payload>[], workerId: string, limit: number): AckAndClaimResult<Payload>
  /** Ack and save the handler's result in one transaction; nothing is saved if the claim was lost. */
  ackWithResult(job: Job<Payload>, value: unknown, ttlS: number): boolean
  /** Back to pending after `delayS`, or dead-lettered with `error` when attempts are used up. */
  retry(job: Job<Payload>, delayS: number, error: unknown): boolean
  /** Dead-letter now with `error`, whatever attempts remain. */
  fail(job: Job<Payload>, error: unknown): boolean
  /** Renew the claim for another visibility timeout. */
  heartbeat(job: Job<Payload>): boolean
  /** Hand the job back to the queue, not counting this attempt (shutdown). */
  release(job: Job<Payload>): boolean
  /** Move the queue's expired jobs to the dead letters; returns how many. */
  sweepExpired(): number
  /**
   * How long an idle worker may sleep: until a claim could next succeed (a delayed job falls due,
   * a claim lapses), bounded by `fallbackMs`; null means until a wake.
   */
  sleepUntilClaimableMs(fallbackMs: number | null): number | null
  /** A wake subscription on commits to the file; created before the first claim. */
  subscribe(): WakeSubscription
  /** Run `fn` with the connection's busy timeout lowered to `timeoutMs` (see `retryWhileBusy`). */
  withBusyTimeout<T>(timeoutMs: number, fn: () => T): T
}
