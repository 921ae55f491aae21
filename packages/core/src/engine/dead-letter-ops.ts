import type { Mode, Result } from '../executor/executor.ts'
import type { JobInfo } from '../queue/job-row.ts'

/**
 * The storage operations behind a queue's dead letters, one implementation per engine; core's
 * `DeadLetters` is written once over them (see coordination-ops.ts for `Result<M, T>`).
 * `ids: null` means every dead job of the queue; an empty list touches no storage.
 */
export interface DeadLetterOps<M extends Mode> {
  /** 'sync' on SQLite, 'async' on PostgreSQL. */
  readonly mode: M
  list(queue: string, afterId: number, limit: number): Result<M, JobInfo[]>
  count(queue: string): Result<M, number>
  /** Back to pending under the same ids, due now, attempts reset, in one transaction; the ids moved. */
  revive(queue: string, ids: readonly number[] | null): Result<M, number[]>
  /** Delete for good; the ids deleted. */
  delete(queue: string, ids: readonly number[] | null): Result<M, number[]>
}
