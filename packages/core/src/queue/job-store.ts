import type { BetterSqlite3Executor } from '../executor/better-sqlite3-executor.ts'

/**
 * What queue operations need from a database: its executor on Honker's own connection, a write
 * transaction (BEGIN IMMEDIATE, or a savepoint inside the caller's), and the current unix second.
 * @internal
 */
export interface JobStore {
  readonly executor: BetterSqlite3Executor
  /** Run `fn` atomically; throws DatabaseClosedError once closed. */
  write<T>(fn: () => T): T
  /** Throws DatabaseClosedError once closed. */
  assertOpen(): void
  nowS(): number
}
