import type { Job } from '../queue/job.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'

/** A value now (SQLite) or later (an engine over the network, such as PostgreSQL). */
export type MaybePromise<T> = T | Promise<T>

/** What the worker runtime reads of a claimed job, whichever engine claimed it. */
export interface WorkerJob {
  readonly id: number
  /** This execution's number, 1 on the first run. */
  readonly attempts: number
  readonly maxAttempts: number
  readonly isLastAttempt: boolean
  /** Read by instrumentation (issue 19) when present: core's `Job` has them all. */
  readonly queue?: string
  readonly runAt?: number
  readonly createdAt?: number
  readonly workerId?: string
}

/** What one ack-and-claim transaction did: `acked[i]` tells whether `finished[i]` was still owned. */
export interface AckAndClaimResult<J> {
  acked: boolean[]
  claimed: J[]
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
export interface WorkerStorage<Payload, J extends WorkerJob = Job<Payload>> {
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
  ackAndClaim(finished: readonly J[], workerId: string, limit: number): MaybePromise<AckAndClaimResult<J>>
  /** Ack and save the handler's result in one transaction; nothing is saved if the claim was lost. */
  ackWithResult(job: J, value: unknown, ttlS: number): MaybePromise<boolean>
  /** Back to pending after `delayS`, or dead-lettered with `error` when attempts are used up. */
  retry(job: J, delayS: number, error: unknown): MaybePromise<boolean>
  /** Dead-letter now with `error`, whatever attempts remain. */
  fail(job: J, error: unknown): MaybePromise<boolean>
  /** Renew the claim for another visibility timeout. */
  heartbeat(job: J): MaybePromise<boolean>
  /** Hand the job back to the queue, not counting this attempt (shutdown). */
  release(job: J): MaybePromise<boolean>
  /** Move the queue's expired jobs to the dead letters; returns how many. */
  sweepExpired(): MaybePromise<number>
  /**
   * How long an idle worker may sleep: until a claim could next succeed (a delayed job falls due,
   * a claim lapses), bounded by `fallbackMs`; null means until a wake.
   */
  sleepUntilClaimableMs(fallbackMs: number | null): MaybePromise<number | null>
  /** A wake subscription on commits (to the file, or the queue's wakes); created before the first claim. */
  subscribe(): WakeSubscription
  /**
   * The trace context stored beside the job at enqueue (issue 19), or null. Called only while
   * instrumentation is registered; an engine without it leaves it out.
   */
  traceContext?(job: J): MaybePromise<string | null>
  /** Run `fn` with the connection's busy timeout lowered to `timeoutMs` (see `retryWhileBusy`). */
  withBusyTimeout<T>(timeoutMs: number, fn: () => T): T
}
