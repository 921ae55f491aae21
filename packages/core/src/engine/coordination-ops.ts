import type { Mode, Result } from '../executor/executor.ts'
import type { WakeSubscription } from '../watcher/wake-subscription.ts'

/**
 * The storage operations behind locks, rate limits and results, one implementation per engine
 * (SQLite's in core, PostgreSQL's in @honker/postgres). The features over them (`Lock`,
 * `RateLimit`, `Results`) are written once: every method returns a value on a synchronous engine
 * and a promise on an asynchronous one (`Result<M, T>`), and each is atomic on its own.
 *
 * `Tx` is the engine's public transaction type; an operation that takes one joins it, after
 * checking it belongs to this database and is still open (`engine_mismatch`,
 * `transaction_closed`).
 */

/** Who holds a lock name, and until when (unix seconds). */
export interface LeaseHolder {
  owner: string
  expiresAt: number
}

/** A lease as granted: its expiry and the engine's clock when the statement ran. */
export interface LeaseGrant {
  expiresAt: number
  nowS: number
}

export interface LockOps<M extends Mode, Tx = unknown> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  /** Take `name` for `owner` if free or lapsed; the holder afterwards (this owner or another). */
  acquire(name: string, owner: string, ttlS: number): Result<M, { holder: LeaseHolder | null; nowS: number }>
  /** Extend `owner`'s lease to now + `ttlS`, in `tx` when given; null when `owner` no longer holds it. */
  renew(name: string, owner: string, ttlS: number, tx?: Tx): Result<M, LeaseGrant | null>
  /** Drop `owner`'s lease; true when it held one. Wakes whoever waits for the name. */
  release(name: string, owner: string): Result<M, boolean>
  get(name: string): Result<M, LeaseHolder | null>
  /**
   * Whether a lease granted while `askedAtMs` (performance.now()) was current still runs, judged
   * without a query: on the engine's own clock where reading it is free (SQLite's), else from
   * local elapsed time since the grant, with a margin for whole seconds (a server's).
   */
  stillRuns(grant: LeaseGrant, askedAtMs: number): boolean
}

export interface RateLimitOps<M extends Mode, Tx = unknown> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  /** Take one slot of the window `now` falls in; false when it is full. */
  tryTake(name: string, limit: number, perS: number, tx?: Tx): Result<M, boolean>
  /** Slots taken in the current window, and that window's first unix second. */
  state(name: string, perS: number): Result<M, { count: number; windowStart: number }>
  /** Delete windows that started more than `olderThanS` seconds ago; how many. */
  sweep(olderThanS: number): Result<M, number>
}

export interface ResultOps<M extends Mode, Tx = unknown> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  /** Upsert a job's result (JSON text); `ttlS` 0 keeps it forever. Wakes waiters for `jobId`. */
  save(jobId: number, valueText: string, ttlS: number, tx?: Tx): Result<M, void>
  /** A live result's text; undefined when none, or past its expiry. */
  getText(jobId: number): Result<M, string | undefined>
  /** Delete expired results; how many. */
  sweep(): Result<M, number>
  /** Wakes for a result of `jobId` (any commit where the engine cannot tell them apart). */
  subscribe(jobId: number): WakeSubscription
  readonly maxPayloadBytes: number
}
