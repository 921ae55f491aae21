import type { SyncExecutor } from './executor/sync-executor.ts'
import type { Transaction } from './transaction.ts'
import type { WakeSubscription } from './watcher/wake-subscription.ts'

/**
 * What every feature (queues, streams, notify, scheduler, locks, ...) needs from a database. The
 * `Database` class implements it; features take it instead of the class so they stay small and
 * testable on their own.
 * @internal
 */
export interface Host {
  /** Honker's own connection. */
  readonly executor: SyncExecutor
  /** Identity used to check that a `tx` belongs to this database. */
  readonly owner: object
  /** Run `fn` atomically (BEGIN IMMEDIATE, or a savepoint inside an open transaction). */
  write<T>(fn: () => T): T
  /** Throws DatabaseClosedError once closed. */
  assertOpen(): void
  readonly closed: boolean
  /** The largest payload (as JSON, in bytes) any writer accepts. */
  readonly maxPayloadBytes: number
  /** The current unix second. */
  nowS(): number
  /** The current time in milliseconds. */
  nowMs(): number
  /** A wake subscription on commits to this file; create it before reading state. */
  subscribe(): WakeSubscription
  /**
   * Run `fn` with the connection's busy timeout lowered to `timeoutMs`, restoring it afterwards
   * (see `retryWhileBusy`).
   */
  withBusyTimeout<T>(timeoutMs: number, fn: () => T): T
  /** The executor to write with: the caller's open `tx` (validated) or Honker's own connection. */
  executorFor(tx: Transaction | undefined): SyncExecutor
}
